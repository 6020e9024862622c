// 3×3 convolutions through oneDNN's Winograd kernel (Lavin and Gray 2016, "Fast Algorithms for
// Convolutional Neural Networks", F(4×4, 3×3)): 36 multiplications per 4×4 output tile and
// channel pair instead of 144, which LibTorch's CPU convolutions (oneDNN's direct kernels) do not
// use.
#pragma once

#include <torch/torch.h>

namespace neural_style {

// conv2d(x, weight, bias) with stride 1 and padding 1, for a float32 CPU batch of one, through
// oneDNN's Winograd kernel; the result is NHWC. Undefined where it does not apply: a build
// without oneDNN, a oneDNN or CPU without the kernel (it needs AVX-512), fewer than 16 input
// channels (the kernel's transforms then cost more than they save), a convolution that would
// need more than 256 MiB beside its input and output (blocked copies and scratch space; big
// layers: memory_budget.cpp counts that much), other dtypes or devices.
// The difference from the direct convolution is rounding: about 1e-6 relative here
// (docs/performance.md). Not differentiable: the network's Function calls it both ways.
torch::Tensor winograd_conv3x3(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias);

// Frees the calling thread's workspace (the blocked copies and scratch space kept from one call to
// the next).
void release_winograd_workspace();

// Frees it when it goes out of scope: one per run, whichever way the run ends.
struct WinogradWorkspaceScope {
  WinogradWorkspaceScope() = default;
  WinogradWorkspaceScope(const WinogradWorkspaceScope&) = delete;
  WinogradWorkspaceScope& operator=(const WinogradWorkspaceScope&) = delete;
  ~WinogradWorkspaceScope() { release_winograd_workspace(); }
};

}  // namespace neural_style
