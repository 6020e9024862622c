#include "losses.h"

#include <limits>
#include <memory>

#if NEURAL_STYLE_HAVE_CBLAS
#include <cblas.h>
#endif

namespace neural_style {

namespace {

#if NEURAL_STYLE_HAVE_CBLAS
// G = AᵀA through BLAS's symmetric rank-k update (ssyrk): one triangle, half the FLOPs of the
// general product. `a` is (positions × channels) with either index contiguous.
torch::Tensor syrk_gram(const torch::Tensor& a) {
  const int n = static_cast<int>(a.size(1));
  const int k = static_cast<int>(a.size(0));
  torch::Tensor g = torch::empty({n, n}, a.options());
  const bool rows = a.stride(1) == 1;  // NHWC: A itself, row-major; else Aᵀ is row-major
  cblas_ssyrk(CblasRowMajor, CblasUpper, rows ? CblasTrans : CblasNoTrans, n, k, 1.0f,
              a.data_ptr<float>(), static_cast<int>(rows ? a.stride(0) : a.stride(1)), 0.0f,
              g.data_ptr<float>(), n);
  // ssyrk leaves the lower triangle alone (uninitialised here): mirror the upper one.
  return g.triu() + g.triu(1).t();
}

bool syrk_applies(const torch::Tensor& a) {
  const bool dense = (a.stride(1) == 1 && a.stride(0) >= a.size(1)) ||
                     (a.stride(0) == 1 && a.stride(1) >= a.size(0));
  return a.device().is_cpu() && a.scalar_type() == torch::kFloat32 && dense &&
         a.size(0) <= std::numeric_limits<int>::max() / std::max<int64_t>(a.size(1), 1);
}

// The same G from ssyrk, with the symmetric one-product backward attached by hooks (no
// autograd::Function, see below): g = G + 0·Σv for a view v of A, so autograd reaches v; the
// hook on g keeps S = dG + dGᵀ, and v's hook replaces its (zero) gradient by A·S, computed in
// A's own memory layout.
torch::Tensor syrk_gram_with_backward(const torch::Tensor& a) {
  torch::Tensor value;
  {
    torch::NoGradGuard no_grad;
    value = syrk_gram(a.detach());
  }
  if (!a.requires_grad()) return value;
  const torch::Tensor v = a.view_as(a);
  torch::Tensor g = value + v.sum() * 0.0;
  // A and S live in the hooks' shared state until v's hook has used them: autograd frees what a
  // node saved as soon as the node has run, but hooks only with the whole graph, and A held to
  // the end of the backward pass would raise its peak (a weighted copy per region, say).
  struct State {
    torch::Tensor a, s;
  };
  const auto state = std::make_shared<State>(State{a.detach(), torch::Tensor()});
  g.register_hook([state](const torch::Tensor& grad) {
    state->s = grad + grad.t();
    return grad;
  });
  v.register_hook([state](const torch::Tensor&) {
    // S is symmetric: (A·S)ᵀ = S·Aᵀ keeps a column-major A's layout.
    const torch::Tensor& a = state->a;
    torch::Tensor da = a.stride(1) == 1 ? torch::mm(a, state->s) : torch::mm(state->s, a.t()).t();
    *state = State{};
    return da;
  });
  return g;
}
#endif

// G = AᵀA for A of (positions × channels). Autograd's backward of mm(Aᵀ, A) runs one product
// per operand; G is symmetric, so its exact gradient dA = A·(dG + dGᵀ) takes one: half the
// Gram's backward FLOPs (about 9 GFLOP an iteration at 512², docs/performance.md). With B = A
// held constant, T = AᵀB has G's value and dA = B·dTᵀ; G = 2T − T (the second T constant)
// keeps the value and doubles that gradient, and the hook makes the incoming gradient symmetric
// first: 2A·sym(dG)ᵀ = A·(dG + dGᵀ). (No autograd::Function: its header trips GCC 14's
// -Warray-bounds in the Debian 13 build.)
torch::Tensor gram_of_columns(const torch::Tensor& a, bool symmetric_backward, bool rank_k) {
#if NEURAL_STYLE_HAVE_CBLAS
  if (rank_k && syrk_applies(a)) return syrk_gram_with_backward(a);
#else
  (void)rank_k;
#endif
  if (!symmetric_backward || !a.requires_grad()) return torch::mm(a.t(), a);
  const torch::Tensor t = torch::mm(a.t(), a.detach());
  torch::Tensor g = 2 * t - t.detach();
  g.register_hook([](torch::Tensor grad) { return 0.5 * (grad + grad.t()); });
  return g;
}

}  // namespace

torch::Tensor gram_matrix(const torch::Tensor& activation, bool symmetric_backward, bool rank_k) {
  const int64_t c = activation.size(1);
  if (activation.dim() == 4 && activation.size(0) == 1 &&
      activation.is_contiguous(torch::MemoryFormat::ChannelsLast)) {
    // NHWC storage: (H·W) × C is a free view, and Aᵀ·A gives the same G without a copy.
    return gram_of_columns(activation.permute({0, 2, 3, 1}).reshape({-1, c}), symmetric_backward,
                           rank_k);
  }
  return gram_of_columns(activation.reshape({c, -1}).t(), symmetric_backward, rank_k);
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
