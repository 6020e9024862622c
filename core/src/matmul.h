// Matrix products for the Gram matrices, with oneDNN's sgemm as the CPU float32 kernel.
#pragma once

#include <torch/torch.h>

namespace neural_style {

// Whether this build can route products through oneDNN (built against Debian's LibTorch, which
// links the same oneDNN, with its headers installed: core/meson.build).
bool onednn_matmul_built();

// a·b for 2-D tensors, as a new tensor in row-major order. With `onednn` set in a build that has
// it, CPU float32 operands stored as dense rows or dense columns (a transposed view is fine) go
// through oneDNN's sgemm: the JIT kernels LibTorch's own CPU convolutions use, on LibTorch's
// OpenMP threads, where at::mm goes to the system BLAS (docs/performance.md). Anything else, and
// a failed call, goes through at::mm. Not differentiable: callers attach their own backward.
torch::Tensor matmul(const torch::Tensor& a, const torch::Tensor& b, bool onednn);

}  // namespace neural_style
