// Choosing where the engine runs.
#pragma once

#include <torch/torch.h>

#include "neural_style/neural_style.h"

namespace neural_style {

// Resolves Device::Auto and checks CUDA when asked for.
Status select_device(const Params& params, torch::Device* device);

// Sets LibTorch's CPU thread count for work on images of `pixels` pixels: params.threads when
// given, else all cores (LibTorch may start with fewer) -- except for small images, where
// synchronising the threads costs more than it saves (docs/performance.md). Returns the count.
int set_threads_for(const Params& params, long long pixels);

}  // namespace neural_style
