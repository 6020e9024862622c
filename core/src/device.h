// Choosing where the engine runs.
#pragma once

#include <torch/torch.h>

#include "neural_style/neural_style.h"

namespace neural_style {

// Resolves Device::Auto, checks CUDA when asked for, and sets LibTorch's CPU thread count
// (LibTorch may start with fewer threads than there are cores).
Status select_device(const Params& params, torch::Device* device, int* threads);

}  // namespace neural_style
