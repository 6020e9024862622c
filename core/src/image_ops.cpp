#include "image_ops.h"

#include <algorithm>

namespace neural_style {

namespace F = torch::nn::functional;

torch::Tensor image_to_tensor(const Image& image, const torch::TensorOptions& options) {
  auto hwc = torch::from_blob(const_cast<float*>(image.rgb.data()), {image.height, image.width, 3},
                              torch::kFloat32);
  return hwc.permute({2, 0, 1}).unsqueeze(0).to(options).contiguous();
}

Image tensor_to_image(const torch::Tensor& tensor) {
  auto hwc = tensor.detach()
                 .squeeze(0)
                 .clamp(0.0, 1.0)
                 .permute({1, 2, 0})
                 .to(torch::kCPU, torch::kFloat32)
                 .contiguous();
  Image image;
  image.height = static_cast<int>(hwc.size(0));
  image.width = static_cast<int>(hwc.size(1));
  const float* data = hwc.data_ptr<float>();
  image.rgb.assign(data, data + hwc.numel());
  return image;
}

torch::Tensor resample(const torch::Tensor& image, Size size) {
  const Size current{static_cast<int>(image.size(3)), static_cast<int>(image.size(2))};
  if (current == size) return image;
  const bool shrinking = size.width < current.width || size.height < current.height;
  if (shrinking) {
    // Area averaging is exact box filtering for integer factors and a close antialias otherwise.
    return F::interpolate(image, F::InterpolateFuncOptions()
                                     .size(std::vector<int64_t>{size.height, size.width})
                                     .mode(torch::kArea));
  }
  return F::interpolate(image, F::InterpolateFuncOptions()
                                   .size(std::vector<int64_t>{size.height, size.width})
                                   .mode(torch::kBilinear)
                                   .align_corners(false))
      .clamp(0.0, 1.0);
}

}  // namespace neural_style
