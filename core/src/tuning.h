// Engine choices that do not change results beyond rounding, fixed when an engine is created so
// that benchmarks and tests can compare each one side by side in one process (tools/bench). Not
// part of the public interface.
#pragma once

#include "neural_style/neural_style.h"

namespace neural_style {

struct Tuning {
  // Keep the network's weights, and so every activation, in NHWC ("channels last") order:
  // oneDNN's CPU convolutions run about twice as fast on it as on NCHW (docs/performance.md).
  bool channels_last = true;
  // The Gram matrix's backward pass as one product, dA = A·(dG + dGᵀ), instead of autograd's two
  // (core/src/losses.cpp).
  bool symmetric_gram = true;
  // The Gram matrix's forward product through BLAS's symmetric rank-k update, half the FLOPs of
  // the general product (core/src/losses.cpp; CPU, float32, builds with CBLAS). Off: OpenBLAS's
  // ssyrk was no faster than its general product here (docs/performance.md).
  bool syrk_gram = false;
  // On the CPU, keep freed tensor buffers for the next step instead of returning them to the
  // system (core/src/cpu_memory_cache.h). Process-wide once an engine has turned it on.
  bool cache_cpu_memory = true;
};

// create_engine() with other than the default tuning.
Status create_engine(const EngineConfig& config, const Tuning& tuning, EngineHandle* engine);

}  // namespace neural_style
