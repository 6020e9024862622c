#include "memory_budget.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "neural_style/vocabulary.h"

namespace neural_style {

namespace {

// Calibrated against peak RSS measured with tools/bench/bench-core --memory on the project's
// 2-core machine (docs/performance.md, "Memory"): LibTorch's resident code and allocator state,
// and the bytes held per byte of the activation model below.
constexpr double kHostBaseBytes = 280.0 * 1024 * 1024;
constexpr double kActivationFactor = 2.7;
// CUDA keeps its own context on the host; on the device the caching allocator rounds up.
constexpr double kGpuActivationFactor = 2.6;
// Plans use this share of the budget: the model is within about 10 % of measured peaks, and
// freed memory is not always handed back to the system at once (allocator caching).
constexpr double kUsableShare = 0.9;
// oneDNN's Winograd convolutions (winograd_conv.h) need, while each runs, its input and output
// in a blocked layout and scratch space for the transformed tiles: at most kWinogradCapBytes
// (winograd_conv.cpp), else the direct convolution runs. Measured with bench-core against
// --direct-conv on the 2-core machine, peak RSS grew by 61 MiB at 256² (0.84 of the activation
// bytes below) and 165 MiB at 512².
constexpr double kWinogradShare = 0.9;
constexpr double kWinogradCapBytes = 256.0 * 1024 * 1024;

// Bytes held per byte of the largest style-layer activation when regions are used
// (region_bytes()). Measured growth over the same run without regions, two regions at 512² on
// the quarter-width test network: 17 MiB against the 16 MiB of relu1_1 (docs/performance.md,
// "Region styles").
constexpr double kRegionFactor = 1.0;

// Bytes of the ReLU outputs down to the deepest tap (kept for the backward pass; the pooled maps
// and the gradients in flight are covered by the calibrated factor).
double activation_bytes(Size size, int deepest, int width_divisor) {
  double bytes = 0;
  for (const ConvLevel& level : conv_levels(size, deepest)) {
    const double h = level.size.height, w = level.size.width;
    const double cout =
        std::max(1.0, std::floor(level.conv->out_channels / double(std::max(1, width_divisor))));
    bytes += h * w * cout * sizeof(float);
  }
  return bytes;
}

// Region styles keep no weighted copies for the backward pass (losses.cpp, RegionGrams): what
// they add at the peak is one weighted copy, or one region's term of the gradient, at a style
// layer at a time; the largest style layer's activation bounds it, whatever the number of regions.
double region_bytes(Size size, const Params& params, int width_divisor) {
  const bool any = std::any_of(params.style_regions.begin(), params.style_regions.end(),
                               [](const Mask& m) { return !m.values.empty(); });
  if (!any) return 0;
  double largest = 0;
  for (const ConvLevel& level : conv_levels(size, std::max(0, deepest_tap(params))))
    for (const auto& lw : params.style_layers)
      if (tap_index(lw.layer) == level.index) {
        const double cout = std::max(
            1.0, std::floor(level.conv->out_channels / double(std::max(1, width_divisor))));
        largest = std::max(largest, level.size.height * level.size.width * cout * sizeof(float));
      }
  return kRegionFactor * largest;
}

double weight_bytes(int deepest, int width_divisor) {
  double bytes = 0;
  const auto& convs = vgg19_convs();
  const double d = std::max(1, width_divisor);
  for (int i = 0; i <= deepest && i < static_cast<int>(convs.size()); ++i) {
    const ConvSpec& c = convs[static_cast<std::size_t>(i)];
    const double cin = i == 0 ? 3.0 : std::max(1.0, std::floor(c.in_channels / d));
    bytes += (9.0 * cin + 1) * std::max(1.0, std::floor(c.out_channels / d)) * sizeof(float);
  }
  return bytes;
}

// On the CPU the engine keeps each convolution's adjoint weights beside its weights, for the
// backward pass as a forward convolution (vgg19.cpp).
double held_weight_bytes(int deepest, int width_divisor, bool on_gpu) {
  return (on_gpu ? 1.0 : 2.0) * weight_bytes(deepest, width_divisor);
}

}  // namespace

double image_bytes(Size s) {
  return 3.0 * s.width * s.height * sizeof(float);
}

double max_style_pixels(std::uint64_t budget_bytes, double caller_images, const Params& params,
                        bool on_gpu) {
  // The input and the widest (64-channel) activation being computed with the one before it.
  constexpr double kBytesPerPixel = (3.0 + 64.0 + 64.0) * sizeof(float);
  constexpr double kUnknownBudget = 2.0 * 1024 * 1024 * 1024;
  const double budget = budget_bytes > 0 ? budget_bytes * kUsableShare : kUnknownBudget;
  const double fixed =
      (on_gpu ? 0.0 : kHostBaseBytes) +
      held_weight_bytes(std::max(0, deepest_tap(params)),
                        params.weights_file.empty() ? params.random_width_divisor : 1, on_gpu) +
      2 * caller_images + (on_gpu ? 0.0 : kWinogradCapBytes);
  return std::max(0.0, budget - fixed) / kBytesPerPixel;
}

double untiled_peak_bytes(Size size, const Params& params, bool on_gpu) {
  const int deepest = std::max(0, deepest_tap(params));
  // Weights with a file are always full width.
  const int divisor = params.weights_file.empty() ? params.random_width_divisor : 1;
  const double activations = activation_bytes(size, deepest, divisor);
  // The image, its gradient, Adam's two moments, the content and start images and the
  // normalised network input; L-BFGS keeps its history.
  const double optimiser =
      image_bytes(size) * (params.optimizer == Optimizer::LBFGS ? 2.0 * 20 + 8 : 8.0);
  const double winograd_scratch =
      on_gpu ? 0.0 : std::min(kWinogradShare * activations, kWinogradCapBytes);
  return (on_gpu ? 0.0 : kHostBaseBytes) + held_weight_bytes(deepest, divisor, on_gpu) +
         (on_gpu ? kGpuActivationFactor : kActivationFactor) * activations + optimiser +
         region_bytes(size, params, divisor) + winograd_scratch;
}

double tiled_full_size_bytes(Size full) {
  // Content, start image, weighted sum of the tiles (3 channels each), the weights' sum
  // (1 channel), the style at full size, the result's copies on the way out.
  return image_bytes(full) * (6.0 + 1.0 / 3.0);
}

std::string format_bytes(double bytes) {
  char buf[64];
  const double mib = bytes / (1024.0 * 1024.0);
  if (mib < 1024)
    std::snprintf(buf, sizeof buf, "%.0f MiB", std::ceil(mib));
  else
    std::snprintf(buf, sizeof buf, "%.1f GiB", std::ceil(mib / 1024.0 * 10) / 10);
  return buf;
}

namespace {

// Largest tile side (multiple of 16, at least kMinTileSide) whose refinement fits, or 0.
int largest_tile(Size full, const Params& params, bool on_gpu, double fixed, double budget) {
  const int longest = std::max(full.width, full.height);
  auto fits = [&](int t) {
    const Size tile{std::min(t, full.width), std::min(t, full.height)};
    return untiled_peak_bytes(tile, params, on_gpu) + fixed <= budget;
  };
  if (!fits(kMinTileSide)) return 0;
  int lo = kMinTileSide / 16, hi = (longest + 15) / 16;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (fits(mid * 16))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo * 16;
}

// Largest longest side (processed whole) that fits, or 0.
int largest_whole(Size full, const Params& params, bool on_gpu, double fixed, double budget) {
  int lo = 0, hi = std::max(full.width, full.height);
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (untiled_peak_bytes(fit_longest_side(full, mid), params, on_gpu) + fixed <= budget)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

bool plan_for(Size full, double inputs, const Params& params, bool on_gpu, double budget,
              MemoryPlan* plan) {
  MemoryPlan p;
  p.budget_bytes = static_cast<std::uint64_t>(budget);
  const double whole = untiled_peak_bytes(full, params, on_gpu) + inputs;
  if (whole <= budget) {
    p.capped = full;
    p.peak_bytes = whole;
    *plan = p;
    return true;
  }
  const double fixed = inputs + tiled_full_size_bytes(full);
  const int tile = largest_tile(full, params, on_gpu, fixed, budget);
  const int capped = largest_whole(full, params, on_gpu, inputs, budget);
  if (tile == 0 || capped < kMinTileSide) return false;
  p.tiled = true;
  p.capped = fit_longest_side(full, capped);
  p.tile_side = tile;
  p.overlap = std::max(32, tile / 8 / 16 * 16);
  const Size t{std::min(tile, full.width), std::min(tile, full.height)};
  p.peak_bytes = std::max(untiled_peak_bytes(p.capped, params, on_gpu) + inputs,
                          untiled_peak_bytes(t, params, on_gpu) + fixed);
  *plan = p;
  return true;
}

}  // namespace

Status plan_memory(Size full, double caller_images, const Params& params, bool on_gpu,
                   std::uint64_t budget_bytes, MemoryPlan* plan) {
  // The engine holds a tensor copy of each input image for the whole run (measured: a 2048²
  // run capped at 1067² peaked 2 % over its budget without it).
  const double inputs = 2 * caller_images;
  const double budget = static_cast<double>(budget_bytes) * kUsableShare;
  if (plan_for(full, inputs, params, on_gpu, budget, plan)) {
    plan->budget_bytes = budget_bytes;
    return Status::success();
  }

  // What would fit: the smallest budget for this size (smallest tiles), and the largest
  // processing size for this budget.
  const Size min_tile{std::min(kMinTileSide, full.width), std::min(kMinTileSide, full.height)};
  const double needed =
      std::max(untiled_peak_bytes(min_tile, params, on_gpu) + inputs + tiled_full_size_bytes(full),
               untiled_peak_bytes(fit_longest_side(full, kMinTileSide), params, on_gpu) + inputs);
  // Named: the largest size processed whole, which runs at full speed (a larger one may still
  // fit in tiles, more slowly).
  const int lo = largest_whole(full, params, on_gpu, inputs, budget);
  std::ostringstream msg;
  msg << "not enough memory: processing at " << full.width << "x" << full.height << " needs about "
      << format_bytes(needed / kUsableShare) << " even in tiles, but the memory budget is "
      << format_bytes(static_cast<double>(budget_bytes));
  if (lo >= limits().max_size_min)
    msg << "; a maximum size of " << lo << " pixels (--max-size " << lo << ") fits it";
  else
    msg << "; no processing size fits it (the images alone take " << format_bytes(inputs) << ")";
  return Status::error(Status::Code::OutOfMemory, msg.str());
}

std::uint64_t available_host_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

bool parse_memory_size(const std::string& text, std::uint64_t* bytes) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return false;
  double value = 0;
  if (!parse_number(text.substr(0, i), &value)) return false;
  std::string unit;
  for (char c : text.substr(i))
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double factor = 1;
  if (unit.empty() || unit == "B")
    factor = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB")
    factor = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB")
    factor = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB")
    factor = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB")
    factor = 1024.0 * 1024 * 1024 * 1024;
  else
    return false;
  const double b = value * factor;
  if (!std::isfinite(b) || b < 0 || b > 1e18) return false;
  *bytes = static_cast<std::uint64_t>(b);
  return true;
}

}  // namespace neural_style
