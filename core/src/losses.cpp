#include "losses.h"

namespace neural_style {

torch::Tensor gram_matrix(const torch::Tensor& activation) {
  const int64_t c = activation.size(1);
  if (activation.dim() == 4 && activation.size(0) == 1 &&
      activation.is_contiguous(torch::MemoryFormat::ChannelsLast)) {
    // NHWC storage: (H·W) × C is a free view, and Aᵀ·A gives the same G without a copy.
    auto a = activation.permute({0, 2, 3, 1}).reshape({-1, c});
    return torch::mm(a.t(), a);
  }
  auto a = activation.reshape({c, -1});
  return torch::mm(a, a.t());
}

torch::Tensor style_layer_cost(const torch::Tensor& style_gram, const torch::Tensor& generated) {
  const double c = static_cast<double>(generated.size(1));
  const double hw = static_cast<double>(generated.size(2) * generated.size(3));
  const double scale = 1.0 / (2.0 * c * hw);
  auto diff = (style_gram - gram_matrix(generated)) * scale;
  return diff.pow(2).sum();
}

torch::Tensor content_cost(const torch::Tensor& content, const torch::Tensor& generated) {
  const double n = static_cast<double>(generated.numel());  // n_C·n_H·n_W (batch of one)
  return (content - generated).pow(2).sum() / (4.0 * n);
}

torch::Tensor tv_cost(const torch::Tensor& image) {
  using torch::indexing::Slice;
  const double hw = static_cast<double>(image.size(2) * image.size(3));
  auto dy = image.index({Slice(), Slice(), Slice(1, torch::indexing::None), Slice()}) -
            image.index({Slice(), Slice(), Slice(torch::indexing::None, -1), Slice()});
  auto dx = image.index({Slice(), Slice(), Slice(), Slice(1, torch::indexing::None)}) -
            image.index({Slice(), Slice(), Slice(), Slice(torch::indexing::None, -1)});
  return (dy.pow(2).sum() + dx.pow(2).sum()) / hw;
}

}  // namespace neural_style
