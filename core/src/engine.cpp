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
#include "neural_style/neural_style.h"
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
    for (const auto& lw : p_.style_layers) style_taps_.push_back(tap_index(lw.layer));
    taps_ = style_taps_;
    taps_.push_back(content_tap_);
  }

  Status optimise(const torch::Tensor& content, const torch::Tensor& style,
                  const torch::Tensor& init, const std::vector<Size>& levels,
                  torch::Tensor* result);

 private:
  Targets targets(const torch::Tensor& content, const torch::Tensor& style) const;
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
  Clock::time_point start_;
  int done_steps_ = 0;
  int total_steps_ = 0;
};

Targets Run::targets(const torch::Tensor& content, const torch::Tensor& style) const {
  torch::NoGradGuard no_grad;
  Targets t;
  t.content = net_.forward(content, {content_tap_})[0].detach();
  auto feats = net_.forward(style, style_taps_);
  for (const auto& f : feats) t.grams.push_back(gram_matrix(f).detach());

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
  for (std::size_t i = 0; i < feats.size(); ++i) {
    double w = p_.style_weight * p_.style_layers[i].weight;
    if (p_.normalize_weights) {
      const double norm = squared_norm(t.grams[i]);
      const double c = static_cast<double>(feats[i].size(1));
      const double hw = static_cast<double>(feats[i].size(2) * feats[i].size(3));
      if (norm > 0) w *= 4.0 * c * c * hw * hw / norm;
    }
    t.style_weights.push_back(w);
  }
  return t;
}

Terms Run::evaluate(const torch::Tensor& x, const Targets& t) const {
  auto feats = net_.forward(x, taps_);
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

Status Run::optimise(const torch::Tensor& content, const torch::Tensor& style,
                     const torch::Tensor& init, const std::vector<Size>& levels,
                     torch::Tensor* result) {
  start_ = Clock::now();
  total_steps_ = static_cast<int>(levels.size()) * p_.iterations;
  torch::Tensor x;
  for (std::size_t level = 0; level < levels.size(); ++level) {
    const Size size = levels[level];
    set_threads_for(p_, static_cast<long long>(size.width) * size.height);
    const Size style_size =
        with_longest_side({static_cast<int>(style.size(3)), static_cast<int>(style.size(2))},
                          std::max(size.width, size.height));
    const Targets t =
        targets(resample(content, size).to(opts_), resample(style, style_size).to(opts_));

    {
      torch::NoGradGuard no_grad;
      x = level == 0 ? resample(init, size).to(opts_) : resample(x, size);
      x = x.clone().contiguous();
    }
    x.set_requires_grad(true);

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
    if (cancelled()) return Status::error(Status::Code::Cancelled, "cancelled");
  }
  *result = x;
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

Status run_checked(const Image& content, const Image& style, const Params& params,
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
    if (Status s = Vgg19::from_file(params.weights_file, deepest + 1, options, &net); !s.ok())
      return s;
  }

  // The image itself stays NCHW (L-BFGS flattens it with view(-1)); NHWC weights are enough
  // to make every convolution's output NHWC.
  if (tuning().channels_last) net.set_memory_format(torch::MemoryFormat::ChannelsLast);

  auto content_t = image_to_tensor(content, torch::kFloat32);
  auto style_t = image_to_tensor(style, torch::kFloat32);
  const auto levels = pyramid(final_size, params.scales);
  auto init = initial_image(params, resample(content_t, final_size));

  Run run(params, callbacks, std::move(net), options);
  torch::Tensor x;
  if (Status s = run.optimise(content_t, style_t, init, levels, &x); !s.ok()) return s;

  torch::NoGradGuard no_grad;
  *result = tensor_to_image(resample(x.to(torch::kCPU), {content.width, content.height}));
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

// Picks the layers for LayerSet::Auto from how deep the weights file goes.
Status resolve_layers(const Params& in, const Callbacks& callbacks, Params* out) {
  *out = in;
  if (in.layer_set == LayerSet::Custom) return Status::success();
  if (in.layer_set != LayerSet::Auto) {
    apply_layer_set(in.layer_set, out);
    return Status::success();
  }
  apply_layer_set(LayerSet::Deep, out);
  if (in.weights_file.empty()) return Status::success();
  int depth = 0;
  if (Status s = count_vgg19_convs(in.weights_file, &depth); !s.ok()) return s;
  if (depth <= deepest_tap(*out)) {
    apply_layer_set(LayerSet::Shallow, out);
    if (depth > deepest_tap(*out) && callbacks.on_warning)
      callbacks.on_warning("the weights file " + in.weights_file + " ends at " +
                           vgg19_convs()[static_cast<std::size_t>(depth - 1)].tap +
                           ": using the shallow layer set (style relu1_1, relu2_1, relu3_1; "
                           "content relu3_2)");
  }
  return Status::success();
}

}  // namespace

Status run(const Image& content, const Image& style, const Params& requested,
           const Callbacks& callbacks, Image* result, RunInfo* info) {
  if (!result) return Status::error(Status::Code::InvalidArgument, "no result image given");
  const char* oom_advice = "; try a smaller maximum size, or the CPU";
  try {
    Params params;
    if (Status s = resolve_layers(requested, callbacks, &params); !s.ok()) return s;
    if (Status s = validate(params, content, style); !s.ok()) return s;
    return run_checked(content, style, params, callbacks, result, info);
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
