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
  // The Gram matrices' products through oneDNN's sgemm instead of the system BLAS (CPU, float32,
  // builds with oneDNN's headers: core/src/matmul.h).
  bool onednn_gram = true;
  // The convolutions' backward pass to their input as a forward convolution with the adjoint
  // weights (core/src/vgg19.cpp; CPU, float32): oneDNN's forward kernels are the faster ones.
  bool conv_backward_as_forward = true;
  // The convolutions through oneDNN's Winograd kernel (core/src/winograd_conv.h; CPU, float32,
  // builds with oneDNN's headers, CPUs with AVX-512): a quarter of the multiplications.
  bool winograd = true;
  // Each region style's Gram and its gradient taken over the box where its mask is above zero
  // (core/src/losses.h) instead of over every position.
  bool region_boxes = true;
  // On the CPU, keep freed tensor buffers for the next step instead of returning them to the
  // system (core/src/cpu_memory_cache.h). Process-wide once an engine has turned it on.
  bool cache_cpu_memory = true;
};

// create_engine() with other than the default tuning.
Status create_engine(const EngineConfig& config, const Tuning& tuning, EngineHandle* engine);

}  // namespace neural_style
