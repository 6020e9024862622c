// The optimisation: features, criterion, backward, step; coarse to fine.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <new>
#include <sstream>

#include "device.h"
#include "geometry.h"
#include "image_ops.h"
#include "losses.h"
#include "memory_budget.h"
#include "neural_style/color.h"
#include "neural_style/model_store.h"
#include "neural_style/neural_style.h"
#include "style_targets.h"
#include "tiling.h"
#include "tuning.h"
#include "vgg19.h"
#include "weights.h"

namespace neural_style {

namespace {

using Clock = std::chrono::steady_clock;

struct Targets {
  torch::Tensor content;             // activation at the content layer
  std::vector<torch::Tensor> grams;  // per style layer
  // Weights applied to J_content and to each style layer's cost (README, "The objective").
  double content_weight = 0;
  std::vector<double> style_weights;
};

struct Terms {
  torch::Tensor total;
  double content = 0, style = 0, tv = 0, total_value = 0;
};

class Run {
 public:
  Run(const Params& params, const Callbacks& callbacks, Vgg19 net, torch::TensorOptions options)
      : p_(params), cb_(callbacks), net_(std::move(net)), opts_(options) {
    content_tap_ = tap_index(p_.content_layer);
    int deepest_style = 0;
    for (const auto& lw : p_.style_layers) {
      style_taps_.push_back(tap_index(lw.layer));
      deepest_style = std::max(deepest_style, style_taps_.back());
    }
    taps_ = style_taps_;
    taps_.push_back(content_tap_);
    min_style_side_ = std::max(limits().max_size_min, min_side_for_tap(deepest_style));
  }

  // `styles` are the style images at their own size, blended with params.style_blend.
  Status optimise(const torch::Tensor& content, const std::vector<torch::Tensor>& styles,
                  const torch::Tensor& init, const std::vector<Size>& levels,
                  torch::Tensor* result);

  // Refines *x, the result at plan.capped, at the full size `full` in the tiles of `plan`
  // (memory_budget.h, tiling.h); `levels` are the pyramid's, for progress.
  Status refine_tiles(const torch::Tensor& content, const std::vector<torch::Tensor>& styles,
                      Size full, const MemoryPlan& plan, const std::vector<Size>& levels,
                      torch::Tensor* x);
  // Tiles to refine after the pyramid (0: none), counted into the progress's total from the start.
  void set_tile_count(int tiles) { tiles_ = tiles; }
  void set_precision(Precision precision) { precision_ = precision; }
  // Cap on a style image's pixels while its Grams are taken (memory_budget.h).
  void set_max_style_pixels(double pixels) { max_style_pixels_ = pixels; }

 private:
  // p_.iterations optimiser steps on *x against t at one processing size, then a clamp.
  Status descend(const Targets& t, std::size_t level, const std::vector<Size>& levels,
                 torch::Tensor* x);
  // The objective's weights for targets whose generated feature maps have generated_hw positions.
  void weigh(Targets* t, const std::vector<std::int64_t>& generated_hw) const;
  // `styles` at their processing size for this level, on the network's device.
  Targets targets(const torch::Tensor& content, const std::vector<torch::Tensor>& styles) const;
  std::vector<torch::Tensor> styles_for_level(const std::vector<torch::Tensor>& styles,
                                              Size level) const;
  Terms evaluate(const torch::Tensor& x, const Targets& t) const;
  void report(int iteration, int level, const std::vector<Size>& levels, const Terms& terms,
              const Targets& t, const torch::Tensor& x);
  bool cancelled() const { return cb_.should_cancel && cb_.should_cancel(); }

  const Params& p_;
  const Callbacks& cb_;
  Vgg19 net_;
  torch::TensorOptions opts_;
  int content_tap_ = -1;
  std::vector<int> style_taps_;
  std::vector<int> taps_;  // style taps, then the content tap
  int min_style_side_ = 1;
  double max_style_pixels_ = std::numeric_limits<double>::infinity();
  std::vector<double> blend_;  // normalised to sum 1, one per style image
  Clock::time_point start_;
  int done_steps_ = 0;
  int total_steps_ = 0;
  Precision precision_ = Precision::Float32;
  int tiles_ = 0;
  int tile_ = 0;  // 1-based while tiles are refined
  Size tile_size_;
};

std::vector<torch::Tensor> Run::styles_for_level(const std::vector<torch::Tensor>& styles,
                                                 Size level) const {
  // Never below the level's own size: a budget that small is refused before the run.
  const double max_pixels =
      std::max(max_style_pixels_, static_cast<double>(level.width) * level.height);
  std::vector<torch::Tensor> out;
  for (const auto& s : styles) {
    const Size own{static_cast<int>(s.size(3)), static_cast<int>(s.size(2))};
    out.push_back(
        resample(s, style_size_for(own, level, p_.style_scale, min_style_side_, max_pixels))
            .to(opts_));
  }
  return out;
}

Targets Run::targets(const torch::Tensor& content, const std::vector<torch::Tensor>& styles) const {
  torch::NoGradGuard no_grad;
  Targets t;
  // The content's feature maps have the generated image's sizes, which the blended Grams are
  // scaled to (style_targets.h).
  std::vector<std::int64_t> generated_hw(style_taps_.size());
  // taps_ is the style taps, then the content tap; only the content tap's activation is kept.
  net_.for_each_tap(content, taps_, [&](std::size_t k, const torch::Tensor& a) {
    if (k < style_taps_.size())
      generated_hw[k] = a.size(2) * a.size(3);
    else
      t.content = a.detach();
  });
  t.grams = blended_grams(net_, styles, blend_, style_taps_, generated_hw);
  weigh(&t, generated_hw);
  return t;
}

void Run::weigh(Targets* target, const std::vector<std::int64_t>& generated_hw) const {
  Targets& t = *target;

  // Normalisation divides each term by its target's squared norm; expressed as a factor on the
  // README's terms: J_content·4·n/Σa_C² = Σ(a_C−a_G)²/Σa_C², cost·4·n_C²·(n_H·n_W)²/ΣG_S² =
  // Σ(G_S−G_G)²/ΣG_S². A target that is all zero leaves its term unscaled.
  auto squared_norm = [](const torch::Tensor& x) {
    return x.to(torch::kFloat64).pow(2).sum().item<double>();
  };
  t.content_weight = p_.content_weight;
  if (p_.normalize_weights) {
    const double norm = squared_norm(t.content);
    if (norm > 0) t.content_weight *= 4.0 * static_cast<double>(t.content.numel()) / norm;
  }
  // With several styles the normaliser is the blended target's norm: the term is then the
  // relative error against what the optimisation actually aims at.
  for (std::size_t i = 0; i < t.grams.size(); ++i) {
    double w = p_.style_weight * p_.style_layers[i].weight;
    if (p_.normalize_weights) {
      const double norm = squared_norm(t.grams[i]);
      const double c = static_cast<double>(t.grams[i].size(0));
      const double hw = static_cast<double>(generated_hw[i]);
      if (norm > 0) w *= 4.0 * c * c * hw * hw / norm;
    }
    t.style_weights.push_back(w);
  }
}

Terms Run::evaluate(const torch::Tensor& x, const Targets& t) const {
  std::vector<torch::Tensor> feats;
  {
    // Only the network runs in the opt-in precision: Gram differences need fp32.
    PrecisionScope scope(precision_, opts_.device());
    feats = net_.forward(x, taps_);
  }
  if (precision_ != Precision::Float32)
    for (auto& f : feats) f = f.to(torch::kFloat32);
  auto content_l = content_cost(t.content, feats.back());
  // J_style as defined (Σ λ_l·cost_l) for the report; the objective uses the effective weights.
  auto style_l = torch::zeros({}, x.options());
  auto weighted_style = torch::zeros({}, x.options());
  for (std::size_t i = 0; i < style_taps_.size(); ++i) {
    auto cost = style_layer_cost(t.grams[i], feats[i]);
    style_l = style_l + p_.style_layers[i].weight * cost;
    weighted_style = weighted_style + t.style_weights[i] * cost;
  }
  auto tv_l = tv_cost(x);
  Terms terms;
  terms.total = t.content_weight * content_l + weighted_style + p_.tv_weight * tv_l;
  // One device-to-host copy for all four values.
  auto values =
      torch::stack({content_l.detach(), style_l.detach(), tv_l.detach(), terms.total.detach()})
          .to(torch::kCPU, torch::kFloat64);
  const double* v = values.data_ptr<double>();
  terms.content = v[0];
  terms.style = v[1];
  terms.tv = v[2];
  terms.total_value = v[3];
  return terms;
}

void Run::report(int iteration, int level, const std::vector<Size>& levels, const Terms& terms,
                 const Targets& t, const torch::Tensor& x) {
  if (!cb_.on_progress) return;
  Progress pr;
  pr.iteration = iteration;
  pr.iterations = p_.iterations;
  pr.scale = level;
  pr.scales = static_cast<int>(levels.size());
  pr.done_steps = done_steps_;
  pr.total_steps = total_steps_;
  pr.width = levels[static_cast<std::size_t>(level)].width;
  pr.height = levels[static_cast<std::size_t>(level)].height;
  if (tile_ > 0) {
    pr.tile = tile_;
    pr.tiles = tiles_;
    pr.width = tile_size_.width;
    pr.height = tile_size_.height;
  }
  pr.content_loss = terms.content;
  pr.style_loss = terms.style;
  pr.tv_loss = terms.tv;
  pr.total_loss = terms.total_value;
  pr.effective_content_weight = t.content_weight;
  pr.effective_style_weights = t.style_weights;
  pr.effective_tv_weight = p_.tv_weight;
  pr.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  pr.snapshot = [&x]() { return tensor_to_image(x); };
  cb_.on_progress(pr);
}

Status numeric_error(int iteration) {
  return Status::error(Status::Code::NumericError,
                       "the loss became NaN or infinite at iteration " + std::to_string(iteration) +
                           "; lower the style or content weight, or the learning rate");
}

Status Run::optimise(const torch::Tensor& content, const std::vector<torch::Tensor>& styles,
                     const torch::Tensor& init, const std::vector<Size>& levels,
                     torch::Tensor* result) {
  start_ = Clock::now();
  blend_ = normalized_blend(p_.style_blend, styles.size());
  total_steps_ = static_cast<int>(levels.size() + static_cast<std::size_t>(tiles_)) * p_.iterations;
  torch::Tensor x;
  for (std::size_t level = 0; level < levels.size(); ++level) {
    const Size size = levels[level];
    set_threads_for(p_, static_cast<long long>(size.width) * size.height);
    const Targets t = targets(resample(content, size).to(opts_), styles_for_level(styles, size));

    {
      torch::NoGradGuard no_grad;
      x = level == 0 ? resample(init, size).to(opts_) : resample(x, size);
      x = x.clone().contiguous();
    }
    if (Status s = descend(t, level, levels, &x); !s.ok()) return s;
    if (cancelled()) return Status::error(Status::Code::Cancelled, "cancelled");
  }
  *result = x;
  return Status::success();
}

Status Run::descend(const Targets& t, std::size_t level, const std::vector<Size>& levels,
                    torch::Tensor* xp) {
  torch::Tensor& x = *xp;
  x.set_requires_grad(true);
  {
    const bool lbfgs = p_.optimizer == Optimizer::LBFGS;
    const double lr =
        p_.learning_rate > 0 ? p_.learning_rate : (lbfgs ? kLbfgsLearningRate : kAdamLearningRate);
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (lbfgs) {
      // One L-BFGS iteration per step() so that progress and cancellation are per iteration;
      // the curvature history carries over between calls. A strong-Wolfe line search keeps it
      // from overshooting: the objective's scale depends on weights and network, so a fixed
      // step length of 1 (jcjohnson/neural-style) can make the loss rise.
      opt = std::make_unique<torch::optim::LBFGS>(std::vector<torch::Tensor>{x},
                                                  torch::optim::LBFGSOptions(lr)
                                                      .max_iter(1)
                                                      .history_size(20)
                                                      .tolerance_change(0)
                                                      .tolerance_grad(0)
                                                      .line_search_fn("strong_wolfe"));
    } else {
      opt = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{x},
                                                 torch::optim::AdamOptions(lr));
    }

    for (int k = 0; k < p_.iterations; ++k) {
      if (cancelled()) return Status::error(Status::Code::Cancelled, "cancelled");
      bool finite = true;
      bool reported = false;
      // The line search may evaluate several points; the first is the current image, the one
      // iteration k reports.
      auto closure = [&]() -> torch::Tensor {
        opt->zero_grad();
        Terms terms = evaluate(x, t);
        const bool ok = std::isfinite(terms.total_value);
        if (!reported) {
          finite = ok;
          if (ok) terms.total.backward();
          report(k, static_cast<int>(level), levels, terms, t, x);
          reported = true;
          return terms.total.detach();
        }
        // A line-search trial point that overflows is just too far: report it as infinitely bad.
        if (!ok) return torch::full({}, std::numeric_limits<double>::infinity(), x.options());
        terms.total.backward();
        return terms.total.detach();
      };
      if (lbfgs) {
        opt->step(closure);
      } else {
        closure();
        if (finite) opt->step();
      }
      if (!finite) return numeric_error(k);
      if (lbfgs && !torch::isfinite(x).all().item<bool>()) return numeric_error(k + 1);
      ++done_steps_;
      if (!lbfgs) {
        // Adam works on the pixels directly: keep them in range after each step, as the seed
        // does (L-BFGS would lose its curvature pairs, so it is clamped between scales only).
        torch::NoGradGuard no_grad;
        x.clamp_(0.0, 1.0);
      }
    }
    {
      torch::NoGradGuard no_grad;
      Terms terms = evaluate(x, t);
      if (!std::isfinite(terms.total_value)) return numeric_error(p_.iterations);
      report(p_.iterations, static_cast<int>(level), levels, terms, t, x);
      x = x.detach().clamp(0.0, 1.0);
    }
  }
  return Status::success();
}

Status Run::refine_tiles(const torch::Tensor& content, const std::vector<torch::Tensor>& styles,
                         Size full, const MemoryPlan& plan, const std::vector<Size>& levels,
                         torch::Tensor* x) {
  const std::vector<TileRect> grid = tile_grid(full, plan.tile_side, plan.overlap);
  // The global style targets, per feature position, from the styles at the full size's scale
  // (in tiles, so the style never goes through the network whole).
  std::vector<torch::Tensor> style_per_position;
  for (std::size_t k = 0; k < styles.size(); ++k) {
    const Size own{static_cast<int>(styles[k].size(3)), static_cast<int>(styles[k].size(2))};
    const Size size = style_size_for(own, full, p_.style_scale, min_style_side_,
                                     std::numeric_limits<double>::infinity());
    auto grams =
        gram_per_position(net_, style_taps_, resample(styles[k], size), plan.tile_side, opts_);
    for (std::size_t i = 0; i < grams.size(); ++i) {
      auto g = grams[i] * blend_[k];
      if (k == 0)
        style_per_position.push_back(g);
      else
        style_per_position[i] += g;
    }
  }
  torch::Tensor start;
  {
    torch::NoGradGuard no_grad;
    start = resample(x->to(torch::kCPU), full).contiguous();
  }
  *x = torch::Tensor();
  TileCanvas canvas(std::move(start));
  const torch::Tensor content_full = resample(content, full);
  set_threads_for(p_, static_cast<long long>(plan.tile_side) * plan.tile_side);
  for (std::size_t i = 0; i < grid.size(); ++i) {
    if (cancelled()) return Status::error(Status::Code::Cancelled, "cancelled");
    const TileRect& r = grid[i];
    tile_ = static_cast<int>(i) + 1;
    tile_size_ = {r.width, r.height};
    Targets t;
    {
      torch::NoGradGuard no_grad;
      auto feats = net_.forward(crop(content_full, r).to(opts_), taps_);
      t.content = feats.back().detach();
      std::vector<std::int64_t> hw;
      for (std::size_t l = 0; l < style_taps_.size(); ++l) {
        hw.push_back(feats[l].size(2) * feats[l].size(3));
        t.grams.push_back(style_per_position[l] * static_cast<double>(hw.back()));
      }
      weigh(&t, hw);
    }
    torch::Tensor xt = canvas.crop(r).to(opts_).contiguous();
    if (Status s = descend(t, levels.size() - 1, levels, &xt); !s.ok()) return s;
    canvas.blend(r, xt, feather_weights(grid, i));
  }
  tile_ = 0;
  *x = canvas.finish().to(opts_);
  return Status::success();
}

torch::Tensor initial_image(const Params& p, const torch::Tensor& content) {
  switch (p.init) {
    case InitMode::Noise: {
      auto gen = at::detail::createCPUGenerator(p.seed);
      return at::rand(content.sizes(), gen, torch::kFloat32);
    }
    case InitMode::Image:
      return resample(image_to_tensor(p.init_image, torch::kFloat32),
                      {static_cast<int>(content.size(3)), static_cast<int>(content.size(2))});
    case InitMode::Content: break;
  }
  return content;
}

Status run_checked(const Image& content, const std::vector<Image>& styles, const Params& params,
                   const Callbacks& callbacks, Image* result, RunInfo* info) {
  const auto t0 = Clock::now();
  torch::Device device(torch::kCPU);
  if (Status s = select_device(params, &device); !s.ok()) return s;
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);

  const int deepest = deepest_tap(params);
  const Size final_size = fit_longest_side({content.width, content.height}, params.max_size);
  const int min_side = min_side_for_tap(deepest);
  if (std::min(final_size.width, final_size.height) < min_side) {
    std::ostringstream msg;
    msg << "the image is too small: processed at " << final_size.width << "x" << final_size.height
        << " pixels, but layer " << vgg19_convs()[static_cast<std::size_t>(deepest)].tap
        << " needs at least " << min_side << " pixels on each side";
    return Status::error(Status::Code::InvalidArgument, msg.str());
  }

  // Refused here, before the network is loaded, when even tiles cannot fit (memory_budget.h).
  MemoryPlan plan;
  plan.capped = final_size;
  const std::uint64_t budget =
      params.memory_budget_bytes > 0 ? params.memory_budget_bytes : free_memory(device);
  double inputs = image_bytes({content.width, content.height});
  for (const Image& s : styles) inputs += image_bytes({s.width, s.height});
  if (budget > 0) {
    if (Status s = plan_memory(final_size, inputs, params, device.is_cuda(), budget, &plan);
        !s.ok())
      return s;
  }
  if (plan.tiled && callbacks.on_warning) {
    std::ostringstream msg;
    msg << "the memory budget (" << format_bytes(static_cast<double>(budget))
        << ") is too small to process " << final_size.width << "x" << final_size.height
        << " whole: processing at " << plan.capped.width << "x" << plan.capped.height
        << ", then refining at full size in tiles of " << plan.tile_side << " pixels";
    callbacks.on_warning(msg.str());
  }
  std::string precision_notice;
  const Precision precision = effective_precision(params.precision, device, &precision_notice);
  if (!precision_notice.empty() && callbacks.on_warning) callbacks.on_warning(precision_notice);

  Vgg19 net;
  std::string weights_name = params.weights_file;
  if (params.weights_file.empty()) {
    weights_name = "random";
    if (callbacks.on_warning)
      callbacks.on_warning(
          "no VGG-19 weights file given: using a random network, so results are not those of the "
          "pretrained VGG-19 (see the README, 'Getting the weights')");
    net = Vgg19::random(deepest + 1, params.random_width_divisor, options);
  } else {
    if (Status s = Vgg19::from_file(params.weights_file, deepest + 1, options,
                                    params.input_convention, &net);
        !s.ok())
      return s;
  }

  // The image itself stays NCHW (L-BFGS flattens it with view(-1)); NHWC weights are enough
  // to make every convolution's output NHWC.
  if (tuning().channels_last) net.set_memory_format(torch::MemoryFormat::ChannelsLast);

  auto content_t = image_to_tensor(content, torch::kFloat32);
  // ColorTransfer, the pre-step: the styles recoloured to the content's statistics, at their own
  // size and before any resampling (neural_style/color.h).
  std::vector<torch::Tensor> styles_t;
  for (const Image& style : styles) {
    styles_t.push_back(
        params.color_preservation == ColorPreservation::ColorTransfer
            ? image_to_tensor(match_color_statistics(style, content), torch::kFloat32)
            : image_to_tensor(style, torch::kFloat32));
  }
  const auto levels = pyramid(plan.capped, params.scales);
  auto init = initial_image(params, resample(content_t, final_size));

  Run run(params, callbacks, std::move(net), options);
  torch::Tensor x;
  run.set_precision(precision);
  run.set_max_style_pixels(max_style_pixels(budget, inputs, params, device.is_cuda()));
  if (plan.tiled)
    run.set_tile_count(
        static_cast<int>(tile_grid(final_size, plan.tile_side, plan.overlap).size()));
  if (Status s = run.optimise(content_t, styles_t, init, levels, &x); !s.ok()) return s;
  if (plan.tiled) {
    if (Status s = run.refine_tiles(content_t, styles_t, final_size, plan, levels, &x); !s.ok())
      return s;
  }

  torch::NoGradGuard no_grad;
  *result = tensor_to_image(resample(x.to(torch::kCPU), {content.width, content.height}));
  // Luminance, the post-step: at the content's own size, so the chroma is the content's own.
  if (params.color_preservation == ColorPreservation::Luminance)
    preserve_luminance(content, result);
  if (info) {
    info->device = device.str();
    info->weights = weights_name;
    info->threads = at::get_num_threads();
    info->processed_width = final_size.width;
    info->processed_height = final_size.height;
    info->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return Status::success();
}

}  // namespace

Tuning& tuning() {
  static Tuning t;
  return t;
}

namespace {

bool is_out_of_memory(const std::string& what) {
  return what.find("out of memory") != std::string::npos ||
         what.find("Failed to allocate") != std::string::npos ||
         what.find("DefaultCPUAllocator: can't allocate") != std::string::npos;
}

// Picks the layers for LayerSet::Auto from how deep the weights file goes, and says once when
// the run uses the bundled partial network.
Status resolve_layers(const Params& in, const Callbacks& callbacks, Params* out) {
  *out = in;
  if (in.layer_set == LayerSet::Custom) return Status::success();
  const bool bundled = !in.weights_file.empty() && is_bundled_model(in.weights_file);
  const char* kBundledNotice =
      "using the bundled ImageNet VGG-19 layers conv1_1 to conv3_4 with the shallow layer set "
      "(style relu1_1, relu2_1, relu3_1; content relu3_2); for the full network with larger-scale "
      "style: neural-style models fetch vgg19";
  if (in.layer_set != LayerSet::Auto) {
    apply_layer_set(in.layer_set, out);
    if (bundled && in.layer_set == LayerSet::Shallow && callbacks.on_warning)
      callbacks.on_warning(kBundledNotice);
    return Status::success();
  }
  apply_layer_set(LayerSet::Deep, out);
  if (in.weights_file.empty()) return Status::success();
  int depth = 0;
  if (Status s = count_vgg19_convs(in.weights_file, &depth); !s.ok()) return s;
  if (depth <= deepest_tap(*out)) {
    apply_layer_set(LayerSet::Shallow, out);
    if (depth > deepest_tap(*out) && callbacks.on_warning)
      callbacks.on_warning(bundled ? std::string(kBundledNotice)
                                   : "the weights file " + in.weights_file + " ends at " +
                                         vgg19_convs()[static_cast<std::size_t>(depth - 1)].tap +
                                         ": using the shallow layer set (style relu1_1, relu2_1, "
                                         "relu3_1; content relu3_2)");
  }
  return Status::success();
}

}  // namespace

Status run(const Image& content, const Image& style, const Params& requested,
           const Callbacks& callbacks, Image* result, RunInfo* info) {
  return run(content, std::vector<Image>{style}, requested, callbacks, result, info);
}

Status run(const Image& content, const std::vector<Image>& styles, const Params& requested,
           const Callbacks& callbacks, Image* result, RunInfo* info) {
  if (!result) return Status::error(Status::Code::InvalidArgument, "no result image given");
  const char* oom_advice = "; try a smaller maximum size, or the CPU";
  try {
    Params params;
    if (Status s = resolve_layers(requested, callbacks, &params); !s.ok()) return s;
    if (Status s = validate(params, content, styles); !s.ok()) return s;
    return run_checked(content, styles, params, callbacks, result, info);
  } catch (const std::bad_alloc&) {
    return Status::error(Status::Code::OutOfMemory, std::string("out of memory") + oom_advice);
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    if (is_out_of_memory(what))
      return Status::error(Status::Code::OutOfMemory, "out of memory: " + what + oom_advice);
    return Status::error(Status::Code::Internal, what);
  } catch (const std::exception& e) {
    return Status::error(Status::Code::Internal, e.what());
  }
}

}  // namespace neural_style
