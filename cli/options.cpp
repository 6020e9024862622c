#include "options.h"

#include <CLI/CLI.hpp>

#include <sstream>

#include "config.h"
#include "neural_style/vocabulary.h"

namespace neural_style::cli {

namespace {

std::string join_layers(const std::vector<LayerWeight>& layers) {
  std::ostringstream s;
  for (std::size_t i = 0; i < layers.size(); ++i)
    s << (i ? "," : "") << layers[i].layer << ":" << layers[i].weight;
  return s.str();
}

std::string preset_list() {
  std::ostringstream s;
  for (const Preset& preset : presets())
    s << "  " << preset.name << std::string(14 - std::string(preset.name).size(), ' ')
      << preset.description << "\n";
  return s.str();
}

// A choice flag's names for its help; aliases are accepted but not listed.
template <typename E>
std::string choice_help(const Vocabulary<E>& names) {
  return name_list(canonical_names(names));
}

template <typename E>
E chosen(const Vocabulary<E>& names, const std::string& name, E fallback) {
  value_from_name(names, name, &fallback);
  return fallback;
}

}  // namespace

ParseOutcome parse_options(int argc, const char* const* argv, Options* o, std::string* message) {
  const Limits lim = limits();
  Params& p = o->params;
  // A preset is applied before any other flag, wherever it stands, so that explicit flags
  // override it: its values become the defaults that the other options start from.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--list-presets") {
      *message =
          "Presets (--preset NAME; flags given with it override its values):\n" + preset_list();
      return ParseOutcome::Help;
    }
    if (arg == "--preset" && i + 1 < argc) apply_preset(argv[i + 1], &p);
    if (arg.rfind("--preset=", 0) == 0) apply_preset(arg.substr(9), &p);
  }
  const Params d = p;
  CLI::App app{
      "Neural style transfer: repaint a content image in the style of another image "
      "(Gatys et al., VGG-19 features, Adam or L-BFGS on the pixels).",
      "neural-style"};
  app.set_version_flag("--version", std::string(NEURAL_STYLE_VERSION));
  app.get_formatter()->column_width(34);
  app.footer(
      "Network: without --weights a run uses the full VGG-19 when one is installed (`neural-style "
      "models fetch vgg19`, about 575 MB), else the bundled ImageNet layers conv1_1 to conv3_4 "
      "(4.7 MB, shallow layer set: no relu4/relu5 layers, so smaller-scale style structure than "
      "the full network). `neural-style models list` shows which file runs use.\n\n"
      "Presets (--preset NAME):\n" +
      preset_list());

  app.add_option("--content", o->content, "Content image (PNG, JPEG, TIFF, ...)")->required();
  app.add_option("--style", o->styles, "Style image; repeat it for several styles")->required();
  app.add_option("--style-mask", o->style_masks,
                 "Region of the n-th --style over the content (grayscale: white where it paints, "
                 "soft edges allowed; '-' for none); repeat it once per --style");
  app.add_option("--style-source-mask", o->style_source_masks,
                 "Part of the n-th --style image its style is taken from (grayscale, white where "
                 "to take it; '-' for all of it); repeat it once per --style");
  std::string blend;
  app.add_option("--style-blend", blend,
                 "Blend weights W,W,... one per --style, normalised to sum 1 (default: equal)");
  app.add_option("--style-scale", p.style_scale,
                 "Style image size relative to the processing size: bigger, bigger strokes")
      ->default_val(d.style_scale)
      ->check(CLI::Range(lim.style_scale_min, lim.style_scale_max));
  std::string colors;
  auto* colors_opt =
      app.add_option("--preserve-colors", colors,
                     "Keep the content's colours: luminance (alone: this; the result's "
                     "luminance with the content's chroma) or transfer (the styles recoloured "
                     "to the content's colour statistics first); none keeps the style's")
          ->expected(0, 1)
          ->check(CLI::IsMember(accepted_names(color_mode_names())));
  std::string preset;
  app.add_option("--preset", preset,
                 "Start from a preset's values (see --list-presets); other flags override it")
      ->check(CLI::IsMember(preset_names()));
  app.add_flag("--list-presets", "List the presets and exit");
  app.add_option("--output", o->output, "Result image; format from the extension")->required();
  app.add_option("--weights", p.weights_file,
                 "VGG-19 weights (safetensors or PyTorch .pth, torchvision names); none: the "
                 "model search (the full VGG-19 if installed, else the bundled conv1-conv3); "
                 "'random': the random test network");
  std::string input_convention = name_of(input_convention_names(), d.input_convention);
  app.add_option("--input-convention", input_convention,
                 "How the network's input is fed: auto (from the weights file), torchvision "
                 "(RGB 0-1, ImageNet mean/std) or caffe (BGR 0-255 minus the mean)")
      ->default_val(input_convention)
      ->check(CLI::IsMember(accepted_names(input_convention_names())));
  app.add_option("--iterations", p.iterations, "Optimiser steps per scale")
      ->default_val(d.iterations)
      ->check(CLI::Range(lim.iterations_min, lim.iterations_max));
  std::string optimizer = name_of(optimizer_names(), d.optimizer);
  app.add_option("--optimizer", optimizer, choice_help(optimizer_names()))
      ->default_val(optimizer)
      ->check(CLI::IsMember(accepted_names(optimizer_names())));
  app.add_option("--lr", p.learning_rate, "Learning rate (default: 0.02 for Adam, 1 for L-BFGS)")
      ->check(CLI::Range(lim.learning_rate_min, lim.learning_rate_max));
  app.add_option("--content-weight", p.content_weight, "Weight α of the content term")
      ->default_val(d.content_weight)
      ->check(CLI::Range(0.0, lim.weight_max));
  app.add_option("--style-weight", p.style_weight, "Weight β of the style term")
      ->default_val(d.style_weight)
      ->check(CLI::Range(0.0, lim.weight_max));
  app.add_option("--tv-weight", p.tv_weight, "Weight γ of the smoothness (total variation) term")
      ->default_val(d.tv_weight)
      ->check(CLI::Range(0.0, lim.weight_max));
  bool raw_weights = false;
  app.add_flag("--raw-weights", raw_weights,
               "Use α, β as Gatys et al.'s raw weights instead of relative to each target's "
               "norm (see README)");
  std::string layer_set = "auto";
  auto* layer_set_opt =
      app.add_option("--layer-set", layer_set,
                     "auto (deep when the weights reach relu5_1, else shallow), deep or shallow")
          ->default_val("auto")
          ->check(CLI::IsMember(accepted_names(layer_set_names())));
  auto* content_layer_opt =
      app.add_option("--content-layer", p.content_layer,
                     "Content layer (relu1_1 ... relu5_4); with --style-layers replaces the set")
          ->default_val(d.content_layer);
  std::string style_layers = join_layers(d.style_layers);
  auto* style_layers_opt =
      app.add_option("--style-layers", style_layers, "Style layers with weights: NAME:W,NAME:W,...")
          ->default_val(style_layers);
  std::string init = "content";
  app.add_option("--init", init, "Start from: content, noise, or an image FILE")
      ->default_val("content");
  app.add_option("--max-size", p.max_size, "Longest processed side in pixels (0: no cap)")
      ->default_val(d.max_size)
      ->check(CLI::Range(0, lim.max_size_max));
  app.add_option("--scales", p.scales, "Pyramid levels, coarse to fine (1: single scale)")
      ->default_val(d.scales)
      ->check(CLI::Range(lim.scales_min, lim.scales_max));
  app.add_option("--seed", p.seed, "Random seed (noise init)")->default_val(d.seed);
  std::string device = name_of(device_names(), d.device);
  app.add_option("--device", device,
                 choice_help(device_names()) + " (gpu: CUDA; also spelled cuda)")
      ->default_val(device)
      ->check(CLI::IsMember(accepted_names(device_names())));
  app.add_option("--threads", p.threads, "CPU threads (0: all cores)")
      ->default_val(0)
      ->check(CLI::Range(0, lim.threads_max));
  std::string memory_budget;
  app.add_option("--memory-budget", memory_budget,
                 "Memory the run may use, e.g. 2G or 800M (default: what is free); bigger images "
                 "are refined in tiles");
  std::string precision = name_of(precision_names(), d.precision);
  app.add_option("--precision", precision,
                 "fp32, bf16 (CPUs with AVX512-BF16 or AMX, GPUs) or tf32 (GPUs); else fp32")
      ->default_val(precision)
      ->check(CLI::IsMember(accepted_names(precision_names())));
  app.add_option("--log-json", o->log_json,
                 "Write one JSON object per iteration (JSON Lines) to FILE");
  app.add_flag("--quiet,-q", o->quiet, "No progress output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    *message = app.help();
    return ParseOutcome::Help;
  } catch (const CLI::CallForVersion&) {
    return ParseOutcome::Version;
  } catch (const CLI::ParseError& e) {
    *message = e.what();
    return ParseOutcome::Error;
  }

  if (o->styles.size() > static_cast<std::size_t>(lim.styles_max)) {
    *message = "--style: at most " + std::to_string(lim.styles_max) + " style images";
    return ParseOutcome::Error;
  }
  if (!o->style_masks.empty() && o->style_masks.size() != o->styles.size()) {
    *message = "--style-mask: " + std::to_string(o->style_masks.size()) + " masks for " +
               std::to_string(o->styles.size()) + " style images (one per --style; '-' for none)";
    return ParseOutcome::Error;
  }
  if (!o->style_source_masks.empty() && o->style_source_masks.size() != o->styles.size()) {
    *message = "--style-source-mask: " + std::to_string(o->style_source_masks.size()) +
               " masks for " + std::to_string(o->styles.size()) +
               " style images (one per --style; '-' for none)";
    return ParseOutcome::Error;
  }
  if (!blend.empty()) {
    std::string error;
    if (!parse_style_blend(blend, &p.style_blend, &error)) {
      *message = "--style-blend: " + error;
      return ParseOutcome::Error;
    }
    switch (style_blend_fit(p.style_blend, o->styles.size())) {
      case BlendFit::Ok: break;
      case BlendFit::WrongCount:
        *message = "--style-blend: " + std::to_string(p.style_blend.size()) + " weights for " +
                   std::to_string(o->styles.size()) + " style images (one per --style)";
        return ParseOutcome::Error;
      case BlendFit::AllZero:
        *message = "--style-blend: the weights must not all be zero";
        return ParseOutcome::Error;
    }
  }
  // The flag alone means luminance.
  if (colors_opt->count() > 0)
    p.color_preservation = chosen(color_mode_names(), colors, ColorPreservation::Luminance);
  // A preset may have turned the normalisation off already; the flag can only turn it off.
  if (raw_weights) p.normalize_weights = false;
  p.optimizer = chosen(optimizer_names(), optimizer, p.optimizer);
  p.input_convention = chosen(input_convention_names(), input_convention, p.input_convention);
  p.device = chosen(device_names(), device, p.device);
  p.precision = chosen(precision_names(), precision, p.precision);
  if (!memory_budget.empty() && !parse_memory_size(memory_budget, &p.memory_budget_bytes)) {
    *message = "--memory-budget: '" + memory_budget + "' is not a size such as 2G or 800M";
    return ParseOutcome::Error;
  }
  if (!value_from_name(init_names(), init, &p.init)) {
    p.init = InitMode::Image;
    o->init_file = init;
  }
  if (!max_size_ok(p.max_size)) {
    *message = "--max-size: must be 0 or at least " + std::to_string(lim.max_size_min);
    return ParseOutcome::Error;
  }
  // A preset's custom layers stay unless a layer set is asked for explicitly.
  if (layer_set_opt->count() > 0 || p.layer_set != LayerSet::Custom)
    layer_set_from_name(layer_set, &p.layer_set);
  if (content_layer_opt->count() > 0 || style_layers_opt->count() > 0) {
    if (layer_set != "auto") {
      *message = "--layer-set cannot be combined with --content-layer or --style-layers";
      return ParseOutcome::Error;
    }
    p.layer_set = LayerSet::Custom;
  }
  std::string error;
  if (!parse_layer_weights(style_layers, &p.style_layers, &error)) {
    *message = "--style-layers: " + error;
    return ParseOutcome::Error;
  }
  if (!is_layer_name(p.content_layer)) {
    *message =
        "--content-layer: unknown layer '" + p.content_layer + "' (expected relu1_1 ... relu5_4)";
    return ParseOutcome::Error;
  }
  return ParseOutcome::Run;
}

}  // namespace neural_style::cli
