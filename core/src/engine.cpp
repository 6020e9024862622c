// The optimisation: features, criterion, backward, step; coarse to fine.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <locale>
#include <new>
#include <sstream>

#include "cpu_memory_cache.h"
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
#include "winograd_conv.h"

namespace neural_style {

namespace {

using Clock = std::chrono::steady_clock;

// Region styles (Gatys et al. 2017, spatial guidance): one region's targets per style tap.
struct RegionTargets {
  std::vector<torch::Tensor> grams;       // the region's style Gram, scaled to the generated size
  std::vector<torch::Tensor> sqrt_masks;  // √m at the tap's size (1×1×n_H×n_W); undefined: unused
  std::vector<PositionBox> boxes;         // where each of them is above zero
  std::vector<double> shares;             // Σm / (n_H·n_W): the region's share of the positions
};

// What Progress::style_losses compares with several styles: each style's own Gram per style
// layer, and the region whose generated Gram it is matched against (-1: the whole image).
struct StyleReport {
  std::vector<torch::Tensor> grams;
  int region = -1;
};

struct Targets {
  torch::Tensor content;               // activation at the content layer
  std::vector<torch::Tensor> grams;    // per style layer (without regions)
  std::vector<RegionTargets> regions;  // with regions: these instead of grams
  std::vector<StyleReport> reports;    // one per style when there are several; empty otherwise
  // Weights applied to J_content and to each style layer's cost (README, "The objective").
  double content_weight = 0;
  std::vector<double> style_weights;
};

struct Terms {
  torch::Tensor total;
  double content = 0, style = 0, tv = 0, total_value = 0;
  std::vector<double> styles;  // J_style per style (Progress::style_losses)
};

// Everything a run decides before any tensor work, from the engine and the parameters.
struct RunPlan {
  Params params;  // with the layer set resolved into layers
  torch::TensorOptions options;
  Size final_size;              // the processing size
  MemoryPlan memory;            // memory.capped: the largest size processed whole
  std::vector<Size> levels;     // the pyramid, coarse to fine, up to memory.capped
  std::vector<TileRect> tiles;  // refined at final_size afterwards; empty when not tiled
  Precision precision = Precision::Float32;
  double max_style_pixels = std::numeric_limits<double>::infinity();  // memory_budget.h
  std::size_t style_count = 0;
  int content_tap = -1;
  std::vector<int> style_taps;
  std::vector<int> taps;  // style taps, then the content tap
  int min_style_side = 1;
  Tuning tuning;  // the engine's
};

// The images a run starts from, as tensors on the CPU.
struct Inputs {
  torch::Tensor content;               // at its own size
  std::vector<torch::Tensor> styles;   // at their own size, recoloured for ColorTransfer
  torch::Tensor init;                  // the start image at the processing size
  std::vector<torch::Tensor> regions;  // per style, its region (1×1×H×W) or undefined; or empty
};

// The optimiser over the image's pixels, stepped once per iteration so that progress and
// cancellation are per iteration. `loss` evaluates the objective at the current image (with its
// gradient when it is finite); it may be called several times in one step.
class PixelOptimizer {
 public:
  static std::unique_ptr<PixelOptimizer> make(const Params& params, const torch::Tensor& x);
  virtual ~PixelOptimizer() = default;
  void zero_grad() { optimizer_->zero_grad(); }
  // One iteration. When the first evaluation is not finite the image is left alone; false when
  // the step left non-finite pixels.
  virtual bool step(const std::function<torch::Tensor()>& loss) = 0;

 protected:
  PixelOptimizer(torch::Tensor x, std::unique_ptr<torch::optim::Optimizer> optimizer)
      : x_(std::move(x)), optimizer_(std::move(optimizer)) {}
  torch::Tensor x_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
};

// Adam (Kingma and Ba 2015) on the pixels, which are kept in range after each step.
class AdamPixels final : public PixelOptimizer {
 public:
  AdamPixels(const torch::Tensor& x, double lr)
      : PixelOptimizer(x, std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{x},
                                                               torch::optim::AdamOptions(lr))) {}
  bool step(const std::function<torch::Tensor()>& loss) override {
    if (!std::isfinite(loss().item<double>())) return true;
    optimizer_->step();
    torch::NoGradGuard no_grad;
    x_.clamp_(0.0, 1.0);
    return true;
  }
};

// L-BFGS with a strong-Wolfe line search, one iteration per step; the curvature history carries
// over between steps. The objective's scale depends on the weights and the network, so the fixed
// step length of 1 that jcjohnson/neural-style uses can make the loss rise; the line search
// keeps it from overshooting. Clamping would invalidate the curvature pairs, so the pixels are
// clamped between scales only.
class LbfgsPixels final : public PixelOptimizer {
 public:
  LbfgsPixels(const torch::Tensor& x, double lr)
      : PixelOptimizer(x, std::make_unique<torch::optim::LBFGS>(
                              std::vector<torch::Tensor>{x}, torch::optim::LBFGSOptions(lr)
                                                                 .max_iter(1)
                                                                 .history_size(20)
                                                                 .tolerance_change(0)
                                                                 .tolerance_grad(0)
                                                                 .line_search_fn("strong_wolfe"))) {
  }
  bool step(const std::function<torch::Tensor()>& loss) override {
    optimizer_->step(loss);
    return torch::isfinite(x_).all().item<bool>();
  }
};

std::unique_ptr<PixelOptimizer> PixelOptimizer::make(const Params& p, const torch::Tensor& x) {
  if (p.optimizer == Optimizer::LBFGS)
    return std::make_unique<LbfgsPixels>(
        x, p.learning_rate > 0 ? p.learning_rate : kLbfgsLearningRate);
  return std::make_unique<AdamPixels>(x, p.learning_rate > 0 ? p.learning_rate : kAdamLearningRate);
}

Status cancelled_status() {
  return Status::error(Status::Code::Cancelled, "cancelled");
}

// One run's optimisation: the pyramid, then the tiles when the plan has them.
class Run {
 public:
  Run(const RunPlan& plan, const Callbacks& callbacks, const Vgg19& net)
      : plan_(plan),
        p_(plan.params),
        cb_(callbacks),
        net_(net),
        blend_(normalized_blend(p_.style_blend, plan.style_count)),
        start_(Clock::now()),
        total_steps_(static_cast<int>(plan.levels.size() + plan.tiles.size()) * p_.iterations) {}

  // Coarse to fine over plan.levels from in.init; *x receives the image at the last level.
  Status pyramid(const Inputs& in, torch::Tensor* x);
  // Refines *x, the result at plan.memory.capped, at plan.final_size in plan.tiles (tiling.h).
  Status refine_tiles(const Inputs& in, torch::Tensor* x);

 private:
  // p_.iterations optimiser steps on *x against t at one processing size, then a clamp.
  Status descend(const Targets& t, std::size_t level, torch::Tensor* x);
  // The objective's weights for targets whose generated feature maps have generated_hw positions.
  void weigh(Targets* t, const std::vector<std::int64_t>& generated_hw) const;
  // `styles` at their processing size for this level, on the network's device.
  // The styles' Grams a Targets is built from: the blend of the styles `which` with `weights`,
  // at each style tap, scaled to the generated positions `generated_hw` (style_targets.h). The
  // pyramid takes them from the style images, the tiles from Grams per position.
  using GramSource = std::function<std::vector<torch::Tensor>(
      const std::vector<std::size_t>& which, const std::vector<double>& weights,
      const std::vector<std::int64_t>& generated_hw)>;
  // `regions` are the styles' regions over `content` (Inputs::regions resized or cut), or empty.
  Targets targets(const torch::Tensor& content, std::size_t style_count,
                  const std::vector<torch::Tensor>& regions, const GramSource& grams) const;
  RegionTargets region_targets(const torch::Tensor& mask, const std::vector<torch::Tensor>& grams,
                               const std::vector<Size>& tap_sizes) const;
  std::vector<torch::Tensor> styles_for_level(const std::vector<torch::Tensor>& styles,
                                              Size level) const;
  Terms evaluate(const torch::Tensor& x, const Targets& t) const;
  void report(int iteration, int level, const Terms& terms, const Targets& t,
              const torch::Tensor& x);
  bool cancelled() const { return cb_.should_cancel && cb_.should_cancel(); }

  const RunPlan& plan_;
  const Params& p_;
  const Callbacks& cb_;
  const Vgg19& net_;
  const std::vector<double> blend_;  // normalised to sum 1, one per style image
  const Clock::time_point start_;
  const int total_steps_;
  int done_steps_ = 0;
  int tile_ = 0;  // 1-based while tiles are refined
  Size tile_size_;
};

std::vector<torch::Tensor> Run::styles_for_level(const std::vector<torch::Tensor>& styles,
                                                 Size level) const {
  // Never below the level's own size: a budget that small is refused before the run.
  const double max_pixels =
      std::max(plan_.max_style_pixels, static_cast<double>(level.width) * level.height);
  std::vector<torch::Tensor> out;
  for (const auto& s : styles) {
    const Size own{static_cast<int>(s.size(3)), static_cast<int>(s.size(2))};
    out.push_back(
        resample(s, style_size_for(own, level, p_.style_scale, plan_.min_style_side, max_pixels))
            .to(plan_.options));
  }
  return out;
}

Targets Run::targets(const torch::Tensor& content, std::size_t style_count,
                     const std::vector<torch::Tensor>& regions, const GramSource& grams) const {
  torch::NoGradGuard no_grad;
  Targets t;
  // The content's feature maps have the generated image's sizes, which the blended Grams are
  // scaled to (style_targets.h).
  std::vector<std::int64_t> generated_hw(plan_.style_taps.size());
  std::vector<Size> tap_sizes(plan_.style_taps.size());
  // plan_.taps is the style taps, then the content tap; only the content tap's activation is kept.
  net_.for_each_tap(content, plan_.taps, [&](std::size_t k, const torch::Tensor& a) {
    if (k < plan_.style_taps.size()) {
      generated_hw[k] = a.size(2) * a.size(3);
      tap_sizes[k] = {static_cast<int>(a.size(3)), static_cast<int>(a.size(2))};
    } else {
      t.content = a.detach();
    }
  });
  // Each style's own Grams for the per-style report: one more pass of the network per style and
  // level, next to the optimisation's hundreds.
  std::vector<std::size_t> all(style_count);
  for (std::size_t k = 0; k < style_count; ++k) all[k] = k;
  // A style's own Grams serve both its report and its region: taken once.
  std::vector<std::vector<torch::Tensor>> own(style_count);
  const auto own_grams = [&](std::size_t k) -> const std::vector<torch::Tensor>& {
    if (own[k].empty()) own[k] = grams({k}, {1.0}, generated_hw);
    return own[k];
  };
  if (style_count > 1)
    for (std::size_t k = 0; k < style_count; ++k) t.reports.push_back({own_grams(k)});
  if (regions.empty()) {
    t.grams = grams(all, blend_, generated_hw);
    weigh(&t, generated_hw);
    return t;
  }
  // Each style with a region is matched there alone; the rest of the image, what no region
  // covers (1 − Σ m, clamped), gets the blend of the styles without one, or of all of them when
  // every style has a region.
  torch::Tensor covered =
      torch::zeros_like(regions[0].defined() ? regions[0] : content.narrow(1, 0, 1));
  std::vector<double> rest_weights(style_count, 0.0);
  for (std::size_t k = 0; k < style_count; ++k) {
    if (!regions[k].defined()) {
      rest_weights[k] = blend_[k];
      continue;
    }
    covered = covered + regions[k];
    if (!t.reports.empty()) t.reports[k].region = static_cast<int>(t.regions.size());
    t.regions.push_back(region_targets(regions[k], own_grams(k), tap_sizes));
  }
  double rest_sum = 0;
  for (double w : rest_weights) rest_sum += w;
  if (rest_sum == 0) {
    rest_weights = blend_;
    rest_sum = 1;
  }
  std::vector<std::size_t> rest_styles;
  std::vector<double> rest_blend;
  for (std::size_t k = 0; k < style_count; ++k) {
    if (rest_weights[k] <= 0) continue;
    rest_styles.push_back(k);
    rest_blend.push_back(rest_weights[k] / rest_sum);
  }
  const torch::Tensor rest = (1.0 - covered).clamp(0.0, 1.0);
  if (rest.max().item<double>() > 0) {
    for (std::size_t k = 0; k < t.reports.size(); ++k)
      if (!regions[k].defined()) t.reports[k].region = static_cast<int>(t.regions.size());
    t.regions.push_back(
        region_targets(rest, grams(rest_styles, rest_blend, generated_hw), tap_sizes));
  }
  weigh(&t, generated_hw);
  return t;
}

RegionTargets Run::region_targets(const torch::Tensor& mask,
                                  const std::vector<torch::Tensor>& grams,
                                  const std::vector<Size>& tap_sizes) const {
  RegionTargets r;
  r.grams = grams;
  for (const Size& size : tap_sizes) {
    // The area average over each feature position's cell: the share of the cell the region
    // covers, so soft and hard edges alike stay where they are at every layer.
    const torch::Tensor m =
        torch::adaptive_avg_pool2d(mask, {size.height, size.width}).clamp(0.0, 1.0);
    const double share = m.mean().item<double>();
    r.shares.push_back(share);
    r.sqrt_masks.push_back(share > 1e-6 ? m.sqrt().to(plan_.options) : torch::Tensor());
    r.boxes.push_back(support_box(m));
  }
  return r;
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
  // relative error against what the optimisation actually aims at. With regions, it is the
  // regions' targets' norms weighted by the regions' shares, as their costs are.
  for (std::size_t i = 0; i < generated_hw.size(); ++i) {
    double w = p_.style_weight * p_.style_layers[i].weight;
    if (p_.normalize_weights) {
      double norm = 0;
      std::int64_t channels = 0;
      if (t.regions.empty()) {
        norm = squared_norm(t.grams[i]);
        channels = t.grams[i].size(0);
      }
      for (const RegionTargets& r : t.regions) {
        norm += r.shares[i] * squared_norm(r.grams[i]);
        channels = r.grams[i].size(0);
      }
      const double c = static_cast<double>(channels);
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
    PrecisionScope scope(plan_.precision, plan_.options.device());
    feats = net_.forward(x, plan_.taps);
  }
  if (plan_.precision != Precision::Float32)
    for (auto& f : feats) f = f.to(torch::kFloat32);
  auto content_l = content_cost(t.content, feats.back());
  // J_style as defined (Σ λ_l·cost_l) for the report; the objective uses the effective weights.
  auto style_l = torch::zeros({}, x.options());
  auto weighted_style = torch::zeros({}, x.options());
  // J_style^(k) = Σ_l λ_l · share · cost(G_k^l, Ĝ^l): style k's own Gram against the generated
  // Gram where k is asked for (the whole image, its region, or the rest), for the report only.
  std::vector<torch::Tensor> per_style;  // one tensor each: += works in place
  for (std::size_t k = 0; k < t.reports.size(); ++k)
    per_style.push_back(torch::zeros({}, x.options()));
  const auto report = [&](std::size_t i, int region, const torch::Tensor& g, double share, double c,
                          double hw) {
    torch::NoGradGuard no_grad;
    for (std::size_t k = 0; k < t.reports.size(); ++k)
      if (t.reports[k].region == region)
        per_style[k] +=
            p_.style_layers[i].weight * share * gram_cost(t.reports[k].grams[i], g.detach(), c, hw);
  };
  for (std::size_t i = 0; i < plan_.style_taps.size(); ++i) {
    const double c = static_cast<double>(feats[i].size(1));
    const double hw = static_cast<double>(feats[i].size(2) * feats[i].size(3));
    torch::Tensor cost;
    if (t.regions.empty()) {
      const torch::Tensor g =
          gram_matrix(feats[i], plan_.tuning.symmetric_gram, plan_.tuning.onednn_gram);
      cost = gram_cost(t.grams[i], g, c, hw);
      report(i, -1, g, 1.0, c, hw);
    } else {
      // Σ_r share_r · cost(G_r, Gram(√m_r ⊙ F) / share_r): the generated Gram over the region,
      // per position as the targets are; a region covering everything is the plain cost.
      cost = torch::zeros({}, x.options());
      std::vector<torch::Tensor> sqrt_masks;
      std::vector<PositionBox> boxes;
      for (const RegionTargets& region : t.regions) {
        sqrt_masks.push_back(region.sqrt_masks[i]);
        boxes.push_back(plan_.tuning.region_boxes
                            ? region.boxes[i]
                            : PositionBox{0, feats[i].size(2), 0, feats[i].size(3)});
      }
      const std::vector<torch::Tensor> grams =
          region_gram_matrices(feats[i], sqrt_masks, plan_.tuning.onednn_gram, boxes);
      for (std::size_t r = 0; r < t.regions.size(); ++r) {
        const RegionTargets& region = t.regions[r];
        if (!grams[r].defined()) continue;
        const torch::Tensor g = grams[r] / region.shares[i];
        cost = cost + region.shares[i] * gram_cost(region.grams[i], g, c, hw);
        report(i, static_cast<int>(r), g, region.shares[i], c, hw);
      }
    }
    style_l = style_l + p_.style_layers[i].weight * cost;
    weighted_style = weighted_style + t.style_weights[i] * cost;
  }
  auto tv_l = tv_cost(x);
  Terms terms;
  terms.total = t.content_weight * content_l + weighted_style + p_.tv_weight * tv_l;
  // One device-to-host copy for all the values.
  std::vector<torch::Tensor> parts = {content_l.detach(), style_l.detach(), tv_l.detach(),
                                      terms.total.detach()};
  parts.insert(parts.end(), per_style.begin(), per_style.end());
  auto values = torch::stack(parts).to(torch::kCPU, torch::kFloat64);
  const double* v = values.data_ptr<double>();
  terms.content = v[0];
  terms.style = v[1];
  terms.tv = v[2];
  terms.total_value = v[3];
  terms.styles.assign(v + 4, v + 4 + per_style.size());
  if (terms.styles.empty()) terms.styles.push_back(terms.style);
  return terms;
}

void Run::report(int iteration, int level, const Terms& terms, const Targets& t,
                 const torch::Tensor& x) {
  const std::vector<Size>& levels = plan_.levels;
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
    pr.tiles = static_cast<int>(plan_.tiles.size());
    pr.width = tile_size_.width;
    pr.height = tile_size_.height;
  }
  pr.content_loss = terms.content;
  pr.style_loss = terms.style;
  pr.style_losses = terms.styles;
  pr.tv_loss = terms.tv;
  pr.total_loss = terms.total_value;
  pr.effective_content_weight = t.content_weight;
  pr.effective_style_weights = t.style_weights;
  pr.effective_tv_weight = p_.tv_weight;
  pr.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  pr.snapshot = [&x]() { return tensor_to_image(x); };
  cb_.on_progress(pr);
}

// $NEURAL_STYLE_TRACE names a file that gets a line for each engine created and each image
// stylised: tests and developers see from it when the weights are read (docs/engine-api.md).
void trace(const std::string& line) {
  const char* path = std::getenv("NEURAL_STYLE_TRACE");
  if (path && *path) std::ofstream(path, std::ios::app) << line << '\n';
}

// "2 styles, blend 0.25,0.75" (the weights as given; "equal" when none were): what a dialog
// handed over, in the C locale whatever the host's.
std::string trace_styles(std::size_t styles, const std::vector<double>& blend) {
  std::ostringstream text;
  text.imbue(std::locale::classic());
  text << styles << (styles == 1 ? " style" : " styles") << ", blend ";
  if (blend.empty()) text << "equal";
  for (std::size_t i = 0; i < blend.size(); ++i) text << (i ? "," : "") << blend[i];
  return text.str();
}

Status numeric_error(int iteration) {
  return Status::error(Status::Code::NumericError,
                       "the loss became NaN or infinite at iteration " + std::to_string(iteration) +
                           "; lower the style or content weight, or the learning rate");
}

Status Run::pyramid(const Inputs& in, torch::Tensor* result) {
  torch::Tensor x;
  for (std::size_t level = 0; level < plan_.levels.size(); ++level) {
    const Size size = plan_.levels[level];
    set_threads_for(p_, static_cast<long long>(size.width) * size.height);
    std::vector<torch::Tensor> regions;
    for (const torch::Tensor& r : in.regions)
      regions.push_back(r.defined() ? resample(r, size).to(plan_.options) : torch::Tensor());
    const std::vector<torch::Tensor> styles = styles_for_level(in.styles, size);
    const GramSource from_images = [&](const std::vector<std::size_t>& which,
                                       const std::vector<double>& weights,
                                       const std::vector<std::int64_t>& hw) {
      std::vector<torch::Tensor> chosen;
      for (std::size_t k : which) chosen.push_back(styles[k]);
      return blended_grams(net_, chosen, weights, plan_.style_taps, hw);
    };
    const Targets t =
        targets(resample(in.content, size).to(plan_.options), styles.size(), regions, from_images);
    {
      torch::NoGradGuard no_grad;
      x = level == 0 ? resample(in.init, size).to(plan_.options) : resample(x, size);
      x = x.clone().contiguous();
    }
    if (Status s = descend(t, level, &x); !s.ok()) return s;
    if (cancelled()) return cancelled_status();
  }
  *result = x;
  return Status::success();
}

Status Run::descend(const Targets& t, std::size_t level, torch::Tensor* xp) {
  torch::Tensor& x = *xp;
  x.set_requires_grad(true);
  {
    const std::unique_ptr<PixelOptimizer> optimizer = PixelOptimizer::make(p_, x);
    for (int k = 0; k < p_.iterations; ++k) {
      if (cancelled()) return cancelled_status();
      bool finite = true;
      bool reported = false;
      // The line search may evaluate several points; the first is the current image, the one
      // iteration k reports.
      auto loss = [&]() -> torch::Tensor {
        optimizer->zero_grad();
        Terms terms = evaluate(x, t);
        const bool ok = std::isfinite(terms.total_value);
        if (!reported) {
          finite = ok;
          if (ok) terms.total.backward();
          report(k, static_cast<int>(level), terms, t, x);
          reported = true;
          return terms.total.detach();
        }
        // A line-search trial point that overflows is just too far: report it as infinitely bad.
        if (!ok) return torch::full({}, std::numeric_limits<double>::infinity(), x.options());
        terms.total.backward();
        return terms.total.detach();
      };
      const bool pixels_finite = optimizer->step(loss);
      if (!finite) return numeric_error(k);
      if (!pixels_finite) return numeric_error(k + 1);
      ++done_steps_;
    }
  }
  torch::NoGradGuard no_grad;
  Terms terms = evaluate(x, t);
  if (!std::isfinite(terms.total_value)) return numeric_error(p_.iterations);
  report(p_.iterations, static_cast<int>(level), terms, t, x);
  x = x.detach().clamp(0.0, 1.0);
  return Status::success();
}

Status Run::refine_tiles(const Inputs& in, torch::Tensor* x) {
  const Size full = plan_.final_size;
  const int tile_side = plan_.memory.tile_side;
  // The global style targets, per feature position, from the styles at the full size's scale
  // (in tiles, so the style never goes through the network whole). Every tile and region then
  // takes its blend of them, scaled to its own positions.
  std::vector<std::vector<torch::Tensor>> per_position;
  for (const torch::Tensor& style : in.styles) {
    const Size own{static_cast<int>(style.size(3)), static_cast<int>(style.size(2))};
    const Size size = style_size_for(own, full, p_.style_scale, plan_.min_style_side,
                                     std::numeric_limits<double>::infinity());
    per_position.push_back(
        gram_per_position(net_, plan_.style_taps, resample(style, size), tile_side, plan_.options));
  }
  const GramSource from_per_position = [&](const std::vector<std::size_t>& which,
                                           const std::vector<double>& weights,
                                           const std::vector<std::int64_t>& hw) {
    std::vector<torch::Tensor> grams;
    for (std::size_t i = 0; i < plan_.style_taps.size(); ++i) {
      torch::Tensor g;
      for (std::size_t j = 0; j < which.size(); ++j) {
        const torch::Tensor w = per_position[which[j]][i] * weights[j];
        g = g.defined() ? g + w : w;
      }
      grams.push_back(g * static_cast<double>(hw[i]));
    }
    return grams;
  };
  std::vector<torch::Tensor> regions_full;
  for (const torch::Tensor& r : in.regions)
    regions_full.push_back(r.defined() ? resample(r, full) : torch::Tensor());
  torch::Tensor start;
  {
    torch::NoGradGuard no_grad;
    start = resample(x->to(torch::kCPU), full).contiguous();
  }
  *x = torch::Tensor();
  TileCanvas canvas(std::move(start));
  const torch::Tensor content_full = resample(in.content, full);
  set_threads_for(p_, static_cast<long long>(tile_side) * tile_side);
  for (std::size_t i = 0; i < plan_.tiles.size(); ++i) {
    if (cancelled()) return cancelled_status();
    const TileRect& r = plan_.tiles[i];
    tile_ = static_cast<int>(i) + 1;
    tile_size_ = {r.width, r.height};
    // The regions are cut with the tile, so each tile matches each style where it lies.
    std::vector<torch::Tensor> regions;
    for (const torch::Tensor& m : regions_full)
      regions.push_back(m.defined() ? crop(m, r).to(plan_.options) : torch::Tensor());
    const Targets t = targets(crop(content_full, r).to(plan_.options), in.styles.size(), regions,
                              from_per_position);
    torch::Tensor xt = canvas.crop(r).to(plan_.options).contiguous();
    if (Status s = descend(t, plan_.levels.size() - 1, &xt); !s.ok()) return s;
    canvas.blend(r, xt, feather_weights(plan_.tiles, i));
  }
  tile_ = 0;
  *x = canvas.finish().to(plan_.options);
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

}  // namespace

// A loaded network on its device (neural_style.h).
class Engine {
 public:
  EngineConfig config;
  torch::Device device{torch::kCPU};
  Tuning tuning;
  Vgg19 net;                 // every convolution the weights file holds
  std::string weights_name;  // the file, or "random"
  int loads = 0;
};

void EngineDeleter::operator()(Engine* engine) const {
  delete engine;
}

namespace {

// Picks the layers for LayerSet::Auto from how deep the engine's network goes, and says once per
// run when the run uses the bundled partial network.
void resolve_layers(const Engine& engine, const Params& in, const Callbacks& callbacks,
                    Params* out) {
  *out = in;
  if (in.layer_set == LayerSet::Custom) return;
  const bool bundled =
      !engine.config.weights_file.empty() && is_bundled_model(engine.config.weights_file);
  const char* kBundledNotice =
      "using the bundled ImageNet VGG-19 layers conv1_1 to conv3_4 with the shallow layer set "
      "(style relu1_1, relu2_1, relu3_1; content relu3_2); for the full network with larger-scale "
      "style: neural-style models fetch vgg19";
  if (in.layer_set != LayerSet::Auto) {
    apply_layer_set(in.layer_set, out);
    if (bundled && in.layer_set == LayerSet::Shallow && callbacks.on_warning)
      callbacks.on_warning(kBundledNotice);
    return;
  }
  apply_layer_set(LayerSet::Deep, out);
  const int depth = engine.net.depth();
  if (depth <= deepest_tap(*out)) {
    apply_layer_set(LayerSet::Shallow, out);
    if (depth > deepest_tap(*out) && callbacks.on_warning)
      callbacks.on_warning(bundled
                               ? std::string(kBundledNotice)
                               : "the weights file " + engine.config.weights_file + " ends at " +
                                     vgg19_convs()[static_cast<std::size_t>(depth - 1)].tap +
                                     ": using the shallow layer set (style relu1_1, relu2_1, "
                                     "relu3_1; content relu3_2)");
  }
}

// Sizes, memory, precision and layers: everything refused here is refused before any work.
Status plan_run(const Engine& engine, const Image& content, const std::vector<Image>& styles,
                const Params& params, const Callbacks& callbacks, RunPlan* plan) {
  plan->params = params;
  plan->tuning = engine.tuning;
  plan->options = torch::TensorOptions().dtype(torch::kFloat32).device(engine.device);
  plan->style_count = styles.size();

  const int deepest = deepest_tap(params);
  if (deepest >= engine.net.depth())
    return Status::error(
        Status::Code::ModelError,
        Vgg19::too_shallow(engine.config.weights_file, deepest + 1, engine.net.depth()));
  plan->final_size = fit_longest_side({content.width, content.height}, params.max_size);
  const Size final_size = plan->final_size;
  const int min_side = min_side_for_tap(deepest);
  if (std::min(final_size.width, final_size.height) < min_side) {
    std::ostringstream msg;
    msg << "the image is too small: processed at " << final_size.width << "x" << final_size.height
        << " pixels, but layer " << vgg19_convs()[static_cast<std::size_t>(deepest)].tap
        << " needs at least " << min_side << " pixels on each side";
    return Status::error(Status::Code::InvalidArgument, msg.str());
  }

  // Refused here, before any tensor work, when even tiles cannot fit (memory_budget.h).
  const bool on_gpu = engine.device.is_cuda();
  plan->memory.capped = final_size;
  const std::uint64_t budget =
      params.memory_budget_bytes > 0 ? params.memory_budget_bytes : free_memory(engine.device);
  double inputs = image_bytes({content.width, content.height});
  for (const Image& s : styles) inputs += image_bytes({s.width, s.height});
  if (budget > 0) {
    if (Status s = plan_memory(final_size, inputs, params, on_gpu, budget, &plan->memory); !s.ok())
      return s;
  }
  if (plan->memory.tiled) {
    plan->tiles = tile_grid(final_size, plan->memory.tile_side, plan->memory.overlap);
    if (callbacks.on_warning) {
      std::ostringstream msg;
      msg << "the memory budget (" << format_bytes(static_cast<double>(budget))
          << ") is too small to process " << final_size.width << "x" << final_size.height
          << " whole: processing at " << plan->memory.capped.width << "x"
          << plan->memory.capped.height << ", then refining at full size in tiles of "
          << plan->memory.tile_side << " pixels";
      callbacks.on_warning(msg.str());
    }
  }
  plan->levels = pyramid(plan->memory.capped, params.scales);
  plan->max_style_pixels = max_style_pixels(budget, inputs, params, on_gpu);

  std::string precision_notice;
  plan->precision = effective_precision(params.precision, engine.device, &precision_notice);
  if (!precision_notice.empty() && callbacks.on_warning) callbacks.on_warning(precision_notice);
  if (engine.config.weights_file.empty() && callbacks.on_warning)
    callbacks.on_warning(
        "no VGG-19 weights file given: using a random network, so results are not those of the "
        "pretrained VGG-19 (see the README, 'Getting the weights')");

  plan->content_tap = tap_index(params.content_layer);
  int deepest_style = 0;
  for (const auto& lw : params.style_layers) {
    plan->style_taps.push_back(tap_index(lw.layer));
    deepest_style = std::max(deepest_style, plan->style_taps.back());
  }
  plan->taps = plan->style_taps;
  plan->taps.push_back(plan->content_tap);
  plan->min_style_side = std::max(limits().max_size_min, min_side_for_tap(deepest_style));
  return Status::success();
}

Inputs prepare_inputs(const RunPlan& plan, const Image& content, const std::vector<Image>& styles) {
  Inputs in;
  in.content = image_to_tensor(content, torch::kFloat32);
  // ColorTransfer, the pre-step: the styles recoloured to the content's statistics, at their own
  // size and before any resampling (neural_style/color.h).
  const bool transfer = plan.params.color_preservation == ColorPreservation::ColorTransfer;
  for (std::size_t k = 0; k < styles.size(); ++k) {
    const Image& style = styles[k];
    torch::Tensor t =
        image_to_tensor(transfer ? match_color_statistics(style, content) : style, torch::kFloat32);
    // A source mask travels as a fourth channel, resized with the style (style_targets.h).
    if (k < plan.params.style_source_masks.size() && !plan.params.style_source_masks[k].empty()) {
      const Mask& m = plan.params.style_source_masks[k];
      const torch::Tensor mask = torch::from_blob(const_cast<float*>(m.values.data()),
                                                  {1, 1, m.height, m.width}, torch::kFloat32);
      t = torch::cat({t, resample(mask, {style.width, style.height}).clamp(0.0, 1.0)}, 1);
    }
    in.styles.push_back(t);
  }
  in.init = initial_image(plan.params, resample(in.content, plan.final_size));
  bool any_region = false;
  for (const Mask& m : plan.params.style_regions) any_region = any_region || !m.empty();
  if (any_region) {
    for (const Mask& m : plan.params.style_regions) {
      if (m.empty()) {
        in.regions.emplace_back();
        continue;
      }
      in.regions.push_back(torch::from_blob(const_cast<float*>(m.values.data()),
                                            {1, 1, m.height, m.width}, torch::kFloat32)
                               .clamp(0.0, 1.0));  // a copy: the caller's buffer stays theirs
    }
  }
  return in;
}

// The result at the content's own size; Luminance, the post-step, at that size too, so the
// chroma is the content's own.
Image finish(const Params& params, const Image& content, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  Image out = tensor_to_image(resample(x.to(torch::kCPU), {content.width, content.height}));
  if (params.color_preservation == ColorPreservation::Luminance) preserve_luminance(content, &out);
  return out;
}

Status stylize_checked(Engine& engine, const Image& content, const std::vector<Image>& styles,
                       const Params& requested, const Callbacks& callbacks, Image* result,
                       RunInfo* info) {
  const auto t0 = Clock::now();
  const CpuMemoryCacheScope cache_scope;
  // Declared after the cache's scope: its buffer goes back to the cache before the cache empties.
  const WinogradWorkspaceScope workspace_scope;
  Params params;
  resolve_layers(engine, requested, callbacks, &params);
  if (Status s = validate(params, content, styles); !s.ok()) return s;
  RunPlan plan;
  if (Status s = plan_run(engine, content, styles, params, callbacks, &plan); !s.ok()) return s;
  const Inputs in = prepare_inputs(plan, content, styles);
  // The adjoints of the convolutions this run goes through, no more: the memory model counts
  // those (memory_budget.cpp).
  if (engine.tuning.conv_backward_as_forward && engine.device.is_cpu() && !plan.taps.empty())
    engine.net.use_forward_adjoints(*std::max_element(plan.taps.begin(), plan.taps.end()) + 1);

  Run run(plan, callbacks, engine.net);
  torch::Tensor x;
  if (Status s = run.pyramid(in, &x); !s.ok()) return s;
  if (!plan.tiles.empty()) {
    if (Status s = run.refine_tiles(in, &x); !s.ok()) return s;
  }
  *result = finish(params, content, x);
  trace("stylize " + std::to_string(content.width) + "x" + std::to_string(content.height) +
        " with " + engine.weights_name + ", " + trace_styles(styles.size(), params.style_blend));
  if (info) {
    info->device = engine.device.str();
    info->weights = engine.weights_name;
    info->network_loads = engine.loads;
    info->threads = at::get_num_threads();
    info->processed_width = plan.final_size.width;
    info->processed_height = plan.final_size.height;
    info->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return Status::success();
}

Status load_checked(const EngineConfig& config, const Tuning& tuning, EngineHandle* out) {
  EngineHandle engine(new Engine());
  engine->config = config;
  engine->tuning = tuning;
  if (Status s = select_device(config.device, &engine->device); !s.ok()) return s;
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(engine->device);
  if (config.weights_file.empty()) {
    engine->weights_name = "random";
    engine->net = Vgg19::random(static_cast<int>(vgg19_convs().size()),
                                std::max(1, config.random_width_divisor), options);
  } else {
    engine->weights_name = config.weights_file;
    if (Status s = Vgg19::from_file(config.weights_file, 0, options, config.input_convention,
                                    &engine->net);
        !s.ok())
      return s;
  }
  // The image itself stays NCHW (L-BFGS flattens it with view(-1)); NHWC weights are enough
  // to make every convolution's output NHWC.
  if (tuning.channels_last) engine->net.set_memory_format(torch::MemoryFormat::ChannelsLast);
  if (tuning.cache_cpu_memory && engine->device.is_cpu()) install_cpu_memory_cache();
  engine->net.use_winograd(tuning.winograd && engine->device.is_cpu());
  engine->loads = 1;
  trace("create " + engine->weights_name + " on " + engine->device.str() + ", " +
        std::to_string(engine->net.depth()) + " convolutions");
  *out = std::move(engine);
  return Status::success();
}

}  // namespace

namespace {

bool is_out_of_memory(const std::string& what) {
  return what.find("out of memory") != std::string::npos ||
         what.find("Failed to allocate") != std::string::npos ||
         what.find("DefaultCPUAllocator: can't allocate") != std::string::npos;
}

// LibTorch reports failures as exceptions; callers of the engine get a Status.
template <typename F>
Status guarded(F&& f) {
  const char* oom_advice = "; try a smaller maximum size, or the CPU";
  try {
    return f();
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

}  // namespace

Status create_engine(const EngineConfig& config, const Tuning& tuning, EngineHandle* engine) {
  if (!engine) return Status::error(Status::Code::InvalidArgument, "no engine handle given");
  return guarded([&] { return load_checked(config, tuning, engine); });
}

Status create_engine(const EngineConfig& config, EngineHandle* engine) {
  return create_engine(config, Tuning{}, engine);
}

Status stylize(Engine& engine, const Image& content, const std::vector<Image>& styles,
               const Params& params, const Callbacks& callbacks, Image* result, RunInfo* info) {
  if (!result) return Status::error(Status::Code::InvalidArgument, "no result image given");
  if (engine_config(params) != engine.config)
    return Status::error(Status::Code::InvalidArgument,
                         "the parameters name another weights file, input convention or device "
                         "than the engine was created with");
  return guarded(
      [&] { return stylize_checked(engine, content, styles, params, callbacks, result, info); });
}

Status run(const Image& content, const std::vector<Image>& styles, const Params& params,
           const Callbacks& callbacks, Image* result, RunInfo* info) {
  if (!result) return Status::error(Status::Code::InvalidArgument, "no result image given");
  const auto t0 = Clock::now();
  // Parameters are checked before the network is loaded; the layers that Auto picks depend on
  // the network, but every set is valid, so any of them serves for the check.
  Params probe = params;
  apply_layer_set(params.layer_set == LayerSet::Auto ? LayerSet::Deep : params.layer_set, &probe);
  if (Status s = validate(probe, content, styles); !s.ok()) return s;
  EngineHandle engine;
  if (Status s = create_engine(engine_config(params), &engine); !s.ok()) return s;
  const Status s = stylize(*engine, content, styles, params, callbacks, result, info);
  if (s.ok() && info) info->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return s;
}

}  // namespace neural_style
