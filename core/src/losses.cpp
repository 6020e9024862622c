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

// The activation (1, C, H, W) as (H·W) × C. NHWC storage: a free view, and Aᵀ·A gives the
// same G without a copy; NCHW: the transpose of the C × (H·W) view.
torch::Tensor positions_by_channels(const torch::Tensor& activation) {
  const int64_t c = activation.size(1);
  if (activation.dim() == 4 && activation.size(0) == 1 &&
      activation.is_contiguous(torch::MemoryFormat::ChannelsLast))
    return activation.permute({0, 2, 3, 1}).reshape({-1, c});
  return activation.reshape({c, -1}).t();
}

bool is_nhwc(const torch::Tensor& activation) {
  return activation.size(1) > 1 && activation.is_contiguous(torch::MemoryFormat::ChannelsLast);
}

torch::Tensor box_of(const torch::Tensor& t, const PositionBox& b) {
  return t.narrow(2, b.y0, b.y1 - b.y0).narrow(3, b.x0, b.x1 - b.x0);
}

// √m ⊙ A over the box, dense in A's memory format, as a positions × channels matrix.
torch::Tensor weighted_box(const torch::Tensor& activation, const torch::Tensor& sqrt_mask,
                           const PositionBox& b) {
  const torch::Tensor a = box_of(activation, b);
  torch::Tensor h = torch::empty(
      a.sizes(), a.options().memory_format(is_nhwc(activation) ? torch::MemoryFormat::ChannelsLast
                                                               : torch::MemoryFormat::Contiguous));
  torch::mul_out(h, a, box_of(sqrt_mask, b));
  return positions_by_channels(h);
}

// The inverse of positions_by_channels for a matrix in the layout times_symmetric returns.
torch::Tensor as_activation(const torch::Tensor& t, const PositionBox& b, int64_t channels) {
  const int64_t bh = b.y1 - b.y0, bw = b.x1 - b.x0;
  if (t.stride(1) == 1) return t.reshape({1, bh, bw, channels}).permute({0, 3, 1, 2});
  return t.t().reshape({1, channels, bh, bw});
}

// Zeroes what lies outside the box: at most four rectangles, each written once.
void zero_outside(torch::Tensor& t, const PositionBox& b) {
  const int64_t h = t.size(2), w = t.size(3);
  t.narrow(2, 0, b.y0).zero_();
  t.narrow(2, b.y1, h - b.y1).zero_();
  torch::Tensor band = t.narrow(2, b.y0, b.y1 - b.y0);
  band.narrow(3, 0, b.x0).zero_();
  band.narrow(3, b.x1, w - b.x1).zero_();
}

// Region Grams Ĝ_r = Σ_p m_r(p)·a_p·a_pᵀ = (√m_r ⊙ A)ᵀ(√m_r ⊙ A) of one activation, for every
// region at once. Autograd through the weighted copies would keep each copy for the backward pass
// and run, per region, a product, a weighting pass and an accumulation over every position; the
// exact gradient dA = Σ_r m_r ⊙ (A·(dĜ_r + dĜ_rᵀ)) needs only A, and both sums run only over the
// box where m_r > 0: two regions that split the image cost about one full Gram each way, not two.
struct RegionGrams : public torch::autograd::Function<RegionGrams> {
  // `activation`: (1, C, H, W); `sqrt_masks`: √m_r of each region, (R, 1, H, W); `boxes`: four
  // numbers per region (PositionBox). One Gram per region.
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& activation,
                               const torch::Tensor& sqrt_masks, std::vector<int64_t> boxes,
                               bool onednn) {
    variable_list grams;
    for (int64_t r = 0; r < sqrt_masks.size(0); ++r) {
      const PositionBox b = box_at(boxes, r);
      if (b.y1 <= b.y0 || b.x1 <= b.x0) {
        grams.push_back(
            torch::zeros({activation.size(1), activation.size(1)}, activation.options()));
        continue;
      }
      const torch::Tensor h = weighted_box(activation, sqrt_masks[r].unsqueeze(0), b);
      grams.push_back(matmul(h.t(), h, onednn));
    }
    ctx->save_for_backward({activation, sqrt_masks});
    ctx->saved_data["boxes"] = boxes;
    ctx->saved_data["onednn"] = onednn;
    // A region's Gram that the loss did not use gets no gradient: skipped, not zeros.
    ctx->set_materialize_grads(false);
    return grams;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list saved = ctx->get_saved_variables();
    const torch::Tensor& activation = saved[0];
    const std::vector<int64_t> boxes = ctx->saved_data["boxes"].toIntVector();
    const bool onednn = ctx->saved_data["onednn"].toBool();
    const int64_t c = activation.size(1);
    torch::Tensor da;
    for (std::size_t r = 0; r < grads.size(); ++r) {
      const torch::Tensor& g = grads[r];
      const PositionBox b = box_at(boxes, static_cast<int64_t>(r));
      if (!g.defined() || b.y1 <= b.y0 || b.x1 <= b.x0) continue;
      // m ⊙ (A·S) = √m ⊙ ((√m ⊙ A)·S) over the box.
      const torch::Tensor mask = saved[1][static_cast<int64_t>(r)].unsqueeze(0);
      const torch::Tensor sqrt_mask = box_of(mask, b);
      const torch::Tensor h = weighted_box(activation, mask, b);
      const torch::Tensor t = as_activation(times_symmetric(h, g + g.t(), onednn), b, c);
      if (!da.defined()) {
        da = torch::empty_like(activation);
        zero_outside(da, b);
        torch::Tensor inside = box_of(da, b);
        torch::mul_out(inside, t, sqrt_mask);
      } else {
        box_of(da, b).addcmul_(t, sqrt_mask);
      }
    }
    return {da, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
  static PositionBox box_at(const std::vector<int64_t>& boxes, int64_t r) {
    const std::size_t k = static_cast<std::size_t>(4 * r);
    return {boxes[k], boxes[k + 1], boxes[k + 2], boxes[k + 3]};
  }
};

}  // namespace

torch::Tensor gram_matrix(const torch::Tensor& activation, bool symmetric_backward, bool onednn) {
  const torch::Tensor a = positions_by_channels(activation);
  if (symmetric_backward && a.requires_grad() && torch::GradMode::is_enabled())
    return SymmetricGram::apply(a, onednn);
  if (!a.requires_grad() || !torch::GradMode::is_enabled()) return matmul(a.t(), a, onednn);
  return torch::mm(a.t(), a);
}

PositionBox support_box(const torch::Tensor& mask) {
  const torch::Tensor m = mask.reshape({mask.size(-2), mask.size(-1)}) > 0;
  const torch::Tensor rows = m.any(1).nonzero(), cols = m.any(0).nonzero();
  if (rows.numel() == 0) return {};
  return {rows.min().item<int64_t>(), rows.max().item<int64_t>() + 1, cols.min().item<int64_t>(),
          cols.max().item<int64_t>() + 1};
}

std::vector<torch::Tensor> region_gram_matrices(const torch::Tensor& activation,
                                                const std::vector<torch::Tensor>& sqrt_masks,
                                                bool onednn,
                                                const std::vector<PositionBox>& boxes) {
  std::vector<torch::Tensor> masks;
  std::vector<int64_t> used, flat_boxes;
  for (std::size_t r = 0; r < sqrt_masks.size(); ++r) {
    if (!sqrt_masks[r].defined()) continue;
    masks.push_back(sqrt_masks[r]
                        .reshape({1, 1, activation.size(2), activation.size(3)})
                        .to(activation.scalar_type()));
    const PositionBox b = r < boxes.size() ? boxes[r] : support_box(sqrt_masks[r]);
    flat_boxes.insert(flat_boxes.end(), {b.y0, b.y1, b.x0, b.x1});
    used.push_back(static_cast<int64_t>(r));
  }
  std::vector<torch::Tensor> grams(sqrt_masks.size());
  if (masks.empty()) return grams;
  const variable_list used_grams =
      RegionGrams::apply(activation, torch::cat(masks, 0), flat_boxes, onednn);
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
