#include "losses.h"

#include "tuning.h"

namespace neural_style {

namespace {

// G = AᵀA for A of (positions × channels). Autograd's backward of mm(Aᵀ, A) runs one product
// per operand; G is symmetric, so dA = A·(dG + dGᵀ) is the same in one product: half the
// Gram's backward FLOPs (about 9 GFLOP an iteration at 512², docs/performance.md).
struct SymmetricGram : public torch::autograd::Function<SymmetricGram> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a) {
    ctx->save_for_backward({a});
    return torch::mm(a.t(), a);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor a = ctx->get_saved_variables()[0];
    const torch::Tensor& g = grads[0];
    return {torch::mm(a, g + g.t())};
  }
};

torch::Tensor gram_of_columns(const torch::Tensor& a) {
  if (tuning().symmetric_gram && a.requires_grad()) return SymmetricGram::apply(a);
  return torch::mm(a.t(), a);
}

}  // namespace

torch::Tensor gram_matrix(const torch::Tensor& activation) {
  const int64_t c = activation.size(1);
  if (activation.dim() == 4 && activation.size(0) == 1 &&
      activation.is_contiguous(torch::MemoryFormat::ChannelsLast)) {
    // NHWC storage: (H·W) × C is a free view, and Aᵀ·A gives the same G without a copy.
    return gram_of_columns(activation.permute({0, 2, 3, 1}).reshape({-1, c}));
  }
  return gram_of_columns(activation.reshape({c, -1}).t());
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
