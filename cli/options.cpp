#include "options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>

#include <sstream>
#include "config.h"

namespace neural_style::cli {

namespace {

std::string join_layers(const std::vector<LayerWeight>& layers) {
  std::ostringstream s;
  for (std::size_t i = 0; i < layers.size(); ++i)
    s << (i ? "," : "") << layers[i].layer << ":" << layers[i].weight;
  return s.str();
}

}  // namespace

ParseOutcome parse_options(int argc, const char* const* argv, Options* o, std::string* message) {
  const Params d = default_params();
  const Limits lim = limits();
  Params& p = o->params;
  CLI::App app{
      "Neural style transfer: repaint a content image in the style of another image "
      "(Gatys et al., VGG-19 features, Adam or L-BFGS on the pixels).",
      "neural-style"};
  app.set_version_flag("--version", std::string(NEURAL_STYLE_VERSION));
  app.get_formatter()->column_width(34);

  app.add_option("--content", o->content, "Content image (PNG, JPEG, TIFF, ...)")->required();
  app.add_option("--style", o->style, "Style image")->required();
  app.add_option("--output", o->output, "Result image; format from the extension")->required();
  app.add_option("--weights", p.weights_file,
                 "VGG-19 weights (safetensors, torchvision names); none: a random network");
  app.add_option("--iterations", p.iterations, "Optimiser steps per scale")
      ->default_val(d.iterations)
      ->check(CLI::Range(lim.iterations_min, lim.iterations_max));
  std::string optimizer = "adam";
  app.add_option("--optimizer", optimizer, "adam or lbfgs")
      ->default_val("adam")
      ->check(CLI::IsMember({"adam", "lbfgs"}));
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
  app.add_option("--layer-set", layer_set,
                 "auto (deep when the weights reach relu5_1, else shallow), deep or shallow")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "deep", "shallow"}));
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
  std::string device = "auto";
  app.add_option("--device", device, "auto, cpu or cuda")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_option("--threads", p.threads, "CPU threads (0: all cores)")
      ->default_val(0)
      ->check(CLI::Range(0, lim.threads_max));
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

  p.normalize_weights = !raw_weights;
  p.optimizer = optimizer == "lbfgs" ? Optimizer::LBFGS : Optimizer::Adam;
  p.device = device == "cuda" ? Device::CUDA : device == "cpu" ? Device::CPU : Device::Auto;
  if (init == "content") {
    p.init = InitMode::Content;
  } else if (init == "noise") {
    p.init = InitMode::Noise;
  } else {
    p.init = InitMode::Image;
    o->init_file = init;
  }
  if (p.max_size != 0 && p.max_size < lim.max_size_min) {
    *message = "--max-size: must be 0 or at least " + std::to_string(lim.max_size_min);
    return ParseOutcome::Error;
  }
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
  const auto& names = layer_names();
  if (std::find(names.begin(), names.end(), p.content_layer) == names.end()) {
    *message =
        "--content-layer: unknown layer '" + p.content_layer + "' (expected relu1_1 ... relu5_4)";
    return ParseOutcome::Error;
  }
  return ParseOutcome::Run;
}

}  // namespace neural_style::cli
