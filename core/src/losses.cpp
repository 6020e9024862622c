#include "losses.h"

namespace neural_style {

namespace {

// G = AᵀA for A of (positions × channels). Autograd's backward of mm(Aᵀ, A) runs one product
// per operand; G is symmetric, so its exact gradient dA = A·(dG + dGᵀ) takes one: half the
// Gram's backward FLOPs (about 9 GFLOP an iteration at 512², docs/performance.md). With B = A
// held constant, T = AᵀB has G's value and dA = B·dTᵀ; G = 2T − T (the second T constant)
// keeps the value and doubles that gradient, and the hook makes the incoming gradient symmetric
// first: 2A·sym(dG)ᵀ = A·(dG + dGᵀ). (No autograd::Function: its header trips GCC 14's
// -Warray-bounds in the Debian 13 build.)
torch::Tensor gram_of_columns(const torch::Tensor& a, bool symmetric_backward) {
  if (!symmetric_backward || !a.requires_grad()) return torch::mm(a.t(), a);
  const torch::Tensor t = torch::mm(a.t(), a.detach());
  torch::Tensor g = 2 * t - t.detach();
  g.register_hook([](torch::Tensor grad) { return 0.5 * (grad + grad.t()); });
  return g;
}

}  // namespace

torch::Tensor gram_matrix(const torch::Tensor& activation, bool symmetric_backward) {
  const int64_t c = activation.size(1);
  if (activation.dim() == 4 && activation.size(0) == 1 &&
      activation.is_contiguous(torch::MemoryFormat::ChannelsLast)) {
    // NHWC storage: (H·W) × C is a free view, and Aᵀ·A gives the same G without a copy.
    return gram_of_columns(activation.permute({0, 2, 3, 1}).reshape({-1, c}), symmetric_backward);
  }
  return gram_of_columns(activation.reshape({c, -1}).t(), symmetric_backward);
}

torch::Tensor style_layer_cost(const torch::Tensor& style_gram, const torch::Tensor& generated,
                               bool symmetric_backward) {
  return gram_cost(style_gram, gram_matrix(generated, symmetric_backward),
                   static_cast<double>(generated.size(1)),
                   static_cast<double>(generated.size(2) * generated.size(3)));
}

torch::Tensor gram_cost(const torch::Tensor& style_gram, const torch::Tensor& generated_gram,
                        double channels, double positions) {
  const double scale = 1.0 / (2.0 * channels * positions);
  auto diff = (style_gram - generated_gram) * scale;
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
