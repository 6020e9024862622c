// Engine choices that do not change results beyond rounding, switchable so that benchmarks can
// measure each one side by side in one run (tools/bench). Not part of the public interface.
#pragma once

namespace neural_style {

struct Tuning {
  // Keep the network's weights, and so every activation, in NHWC ("channels last") order:
  // oneDNN's CPU convolutions run about twice as fast on it as on NCHW (docs/performance.md).
  bool channels_last = true;
  // The Gram matrix's backward pass as one product, dA = A·(dG + dGᵀ), instead of autograd's two
  // (core/src/losses.cpp).
  bool symmetric_gram = true;
};

// Process-wide; set before runs start.
Tuning& tuning();

}  // namespace neural_style
