// Cost estimate from the layer table alone, so that a dialog can show it without LibTorch.
#include <algorithm>
#include <thread>

#include "geometry.h"
#include "memory_budget.h"
#include "neural_style/neural_style.h"

namespace neural_style {

namespace {

// Effective throughput of a whole optimisation step, not of a bare convolution: measured with
// the engine on a 2-core AVX-512 machine (docs/performance.md). Rough by nature.
constexpr double kCpuGflopsPerCore = 80.0;
constexpr double kGpuGflops = 20000.0;
// Per-step cost independent of the image size (operator dispatch, the optimiser, small
// tensors): dominates at tiny sizes, where the FLOP count alone would promise seconds for hours
// of work. Measured as in docs/performance.md.
constexpr double kCpuSecondsPerStep = 0.05;
constexpr double kGpuSecondsPerStep = 0.005;

struct LevelCost {
  double flops = 0;
};

LevelCost level_cost(Size size, int deepest, int width_divisor) {
  LevelCost cost;
  for (const ConvLevel& level : conv_levels(size, deepest)) {
    const ConvSpec& c = *level.conv;
    const double h = level.size.height, w = level.size.width;
    const double cin = level.index == 0 ? 3.0 : c.in_channels / static_cast<double>(width_divisor);
    const double cout = c.out_channels / static_cast<double>(width_divisor);
    // 2 FLOP per multiply-add; the backward pass to the input costs about as much again.
    cost.flops += 2.0 * 2.0 * h * w * cin * cout * 9.0;
  }
  return cost;
}

}  // namespace

Estimate estimate(int width, int height, const Params& params, bool on_gpu) {
  Estimate e;
  const int deepest = deepest_tap(params);
  if (width <= 0 || height <= 0 || deepest < 0) return e;
  const Size final_size = fit_longest_side({width, height}, params.max_size);
  e.processed_width = final_size.width;
  e.processed_height = final_size.height;

  double total_flops = 0;
  int steps = 0;
  for (const Size& level : pyramid(final_size, params.scales)) {
    const LevelCost c = level_cost(level, deepest, params.random_width_divisor);
    // iterations steps plus the final evaluation; style targets cost one forward pass.
    total_flops += c.flops * (params.iterations + 1) + c.flops / 2;
    steps += params.iterations + 1;
    e.gflop_per_iteration = c.flops / 1e9;
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int threads = params.threads > 0 ? std::min<int>(params.threads, static_cast<int>(cores))
                                         : static_cast<int>(cores);
  const double gflops = on_gpu ? kGpuGflops : kCpuGflopsPerCore * threads;
  e.seconds =
      total_flops / 1e9 / gflops + steps * (on_gpu ? kGpuSecondsPerStep : kCpuSecondsPerStep);
  // The memory model the engine plans with (memory_budget.h), plus the content and a style of
  // the same size as the caller's images. Without tiling: a budget-bound run peaks lower.
  e.peak_bytes = untiled_peak_bytes(final_size, params, on_gpu) + 2 * image_bytes({width, height});
  return e;
}

}  // namespace neural_style
