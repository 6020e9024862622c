// Conversions between the public float-RGB Image and tensors, and resampling.
#pragma once

#include <torch/torch.h>

#include "geometry.h"
#include "neural_style/neural_style.h"

namespace neural_style {

// (1, 3, H, W) float tensor on `options`' device and dtype.
torch::Tensor image_to_tensor(const Image& image, const torch::TensorOptions& options);
// Copies a (1, 3, H, W) tensor back into an Image, clamped to [0, 1].
Image tensor_to_image(const torch::Tensor& tensor);

// Bilinear resampling; area-averaging (antialiased) when shrinking so that downscaled content
// and style images keep their texture statistics instead of aliasing. A no-op at equal size.
torch::Tensor resample(const torch::Tensor& image, Size size);

}  // namespace neural_style
