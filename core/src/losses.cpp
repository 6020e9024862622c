#include "losses.h"

#include "matmul.h"

namespace neural_style {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// a·S for a symmetric S, in a's own layout (rows or columns of A dense): the gradient then
// flows back into the NHWC or NCHW activation without a copy. (A·S)ᵀ = S·Aᵀ.
torch::Tensor times_symmetric(const torch::Tensor& a, const torch::Tensor& s, bool onednn) {
  if (a.stride(1) == 1) return matmul(a, s, onednn);
  return matmul(s, a.t(), onednn).t();
}

// G = AᵀA for A of (positions × channels). Autograd's backward of mm(Aᵀ, A) runs one product
// per operand; G is symmetric, so its exact gradient dA = A·(dG + dGᵀ) takes one: half the
// Gram's backward FLOPs (about 9 GFLOP an iteration at 512², docs/performance.md).
struct SymmetricGram : public torch::autograd::Function<SymmetricGram> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& a, bool onednn) {
    ctx->save_for_backward({a});
    ctx->saved_data["onednn"] = onednn;
    return matmul(a.t(), a, onednn);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const torch::Tensor a = ctx->get_saved_variables()[0];
    const torch::Tensor& g = grads[0];
    return {times_symmetric(a, g + g.t(), ctx->saved_data["onednn"].toBool()), torch::Tensor()};
  }
};

// Region Grams Ĝ_r = Σ_p m_r(p)·a_p·a_pᵀ = (√m_r ⊙ A)ᵀ(√m_r ⊙ A) of one activation, for every
// region at once. Autograd through the weighted copies would keep each copy for the backward pass
// and run, per region, a product, a weighting pass and an accumulation; the exact gradient
// dA = Σ_r m_r ⊙ (A·(dĜ_r + dĜ_rᵀ)) needs only A, so the copies are dropped after the forward
// pass and each region adds its term in one fused pass (addcmul).
struct RegionGrams : public torch::autograd::Function<RegionGrams> {
  // `a`: positions × channels; `sqrt_masks`: √m_r of each region as a column of a
  // positions × R matrix. One Gram per column.
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& a,
                               const torch::Tensor& sqrt_masks, bool onednn) {
    variable_list grams;
    for (int64_t r = 0; r < sqrt_masks.size(1); ++r) {
      const torch::Tensor h = a * sqrt_masks.narrow(1, r, 1);
      grams.push_back(matmul(h.t(), h, onednn));
    }
    ctx->save_for_backward({a, sqrt_masks});
    ctx->saved_data["onednn"] = onednn;
    // A region's Gram that the loss did not use gets no gradient: skipped, not zeros.
    ctx->set_materialize_grads(false);
    return grams;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list saved = ctx->get_saved_variables();
    const torch::Tensor& a = saved[0];
    const torch::Tensor masks = saved[1] * saved[1];
    const bool onednn = ctx->saved_data["onednn"].toBool();
    torch::Tensor da;
    for (std::size_t r = 0; r < grads.size(); ++r) {
      const torch::Tensor& g = grads[r];
      if (!g.defined()) continue;
      const torch::Tensor m = masks.narrow(1, static_cast<int64_t>(r), 1);
      torch::Tensor t = times_symmetric(a, g + g.t(), onednn);
      if (da.defined())
        da.addcmul_(t, m);
      else
        da = t.mul_(m);
    }
    return {da, torch::Tensor(), torch::Tensor()};
  }
};

// The activation (1, C, H, W) as (H·W) × C. NHWC storage: a free view, and Aᵀ·A gives the
// same G without a copy; NCHW: the transpose of the C × (H·W) view.
torch::Tensor positions_by_channels(const torch::Tensor& activation) {
  const int64_t c = activation.size(1);
  if (activation.dim() == 4 && activation.size(0) == 1 &&
      activation.is_contiguous(torch::MemoryFormat::ChannelsLast))
    return activation.permute({0, 2, 3, 1}).reshape({-1, c});
  return activation.reshape({c, -1}).t();
}

}  // namespace

torch::Tensor gram_matrix(const torch::Tensor& activation, bool symmetric_backward, bool onednn) {
  const torch::Tensor a = positions_by_channels(activation);
  if (symmetric_backward && a.requires_grad() && torch::GradMode::is_enabled())
    return SymmetricGram::apply(a, onednn);
  if (!a.requires_grad() || !torch::GradMode::is_enabled()) return matmul(a.t(), a, onednn);
  return torch::mm(a.t(), a);
}

std::vector<torch::Tensor> region_gram_matrices(const torch::Tensor& activation,
                                                const std::vector<torch::Tensor>& sqrt_masks,
                                                bool onednn) {
  const torch::Tensor a = positions_by_channels(activation);
  std::vector<torch::Tensor> columns;
  std::vector<int64_t> used;
  for (std::size_t r = 0; r < sqrt_masks.size(); ++r) {
    if (!sqrt_masks[r].defined()) continue;
    columns.push_back(sqrt_masks[r].reshape({-1, 1}).to(a.scalar_type()));
    used.push_back(static_cast<int64_t>(r));
  }
  std::vector<torch::Tensor> grams(sqrt_masks.size());
  if (columns.empty()) return grams;
  const variable_list used_grams = RegionGrams::apply(a, torch::cat(columns, 1), onednn);
  for (std::size_t k = 0; k < used.size(); ++k)
    grams[static_cast<std::size_t>(used[k])] = used_grams[k];
  return grams;
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
