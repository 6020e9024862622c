// The objective's terms against hand computations, and its gradient against finite differences.
#include <gtest/gtest.h>

#include "geometry.h"
#include "losses.h"
#include "tuning.h"
#include "vgg19.h"

namespace ns = neural_style;

namespace {

torch::Tensor dtensor(std::vector<double> values, std::vector<int64_t> shape) {
  return torch::tensor(values, torch::kFloat64).reshape(shape);
}

}  // namespace

TEST(Losses, GramMatrixMatchesHandComputation) {
  // Two channels over a 1x3 map: A = [[1,2,3],[4,5,6]] -> A·Aᵀ = [[14,32],[32,77]].
  auto a = dtensor({1, 2, 3, 4, 5, 6}, {1, 2, 1, 3});
  auto g = ns::gram_matrix(a);
  ASSERT_EQ(g.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_DOUBLE_EQ(g[0][0].item<double>(), 14);
  EXPECT_DOUBLE_EQ(g[0][1].item<double>(), 32);
  EXPECT_DOUBLE_EQ(g[1][0].item<double>(), 32);
  EXPECT_DOUBLE_EQ(g[1][1].item<double>(), 77);
}

TEST(Losses, StyleLayerCostMatchesDefinition) {
  auto style = dtensor({1, 0, 2, 1}, {1, 2, 1, 2});      // G_S = [[1,2],[2,5]]
  auto generated = dtensor({0, 1, 1, 1}, {1, 2, 1, 2});  // G_G = [[1,1],[1,2]]
  // Σ(G_S − G_G)² = 0 + 1 + 1 + 9 = 11; divided by 4·n_C²·(n_H·n_W)² = 4·4·4 = 64.
  auto cost = ns::style_layer_cost(ns::gram_matrix(style), generated);
  EXPECT_NEAR(cost.item<double>(), 11.0 / 64.0, 1e-12);
}

TEST(Losses, ContentCostIsTheIntendedDifferenceNotZero) {
  auto content = dtensor({1, 2, 3, 4, 5, 6}, {1, 3, 1, 2});
  auto generated = dtensor({1, 1, 1, 1, 1, 1}, {1, 3, 1, 2});
  // Σ(a_C − a_G)² = 0+1+4+9+16+25 = 55; divided by 4·n_H·n_W·n_C = 4·1·2·3 = 24.
  EXPECT_NEAR(ns::content_cost(content, generated).item<double>(), 55.0 / 24.0, 1e-12);
  EXPECT_DOUBLE_EQ(ns::content_cost(content, content).item<double>(), 0.0);
}

TEST(Losses, TotalVariationMatchesDefinition) {
  // One channel shown; three identical channels triple the sums.
  // x = [[0, 1], [3, 0]]: vertical diffs 3, -1 -> 9 + 1; horizontal 1, -3 -> 1 + 9.
  auto one = dtensor({0, 1, 3, 0}, {1, 1, 2, 2});
  auto x = torch::cat({one, one, one}, 1);
  EXPECT_NEAR(ns::tv_cost(x).item<double>(), 3.0 * 20.0 / 4.0, 1e-12);
}

TEST(Losses, StyleCostIsZeroForIdenticalImagesAndPositiveOtherwise) {
  auto a = torch::rand({1, 8, 5, 7}, torch::kFloat64);
  auto b = torch::rand({1, 8, 5, 7}, torch::kFloat64);
  EXPECT_NEAR(ns::style_layer_cost(ns::gram_matrix(a), a).item<double>(), 0.0, 1e-15);
  EXPECT_GT(ns::style_layer_cost(ns::gram_matrix(a), b).item<double>(), 0.0);
}

// The Gram's one-product backward (Tuning::symmetric_gram) against autograd's own, on both
// memory layouts: the same gradient up to rounding.
TEST(Losses, SymmetricGramBackwardEqualsAutograds) {
  torch::manual_seed(3);
  for (const bool nhwc : {false, true}) {
    auto base = torch::rand({1, 6, 5, 4}, torch::kFloat64);
    if (nhwc) base = base.contiguous(torch::MemoryFormat::ChannelsLast);
    const auto target = torch::rand({6, 6}, torch::kFloat64);
    torch::Tensor grads[2];
    for (const bool symmetric : {false, true}) {
      auto a = base.clone().set_requires_grad(true);
      (ns::gram_matrix(a, symmetric) - target).pow(2).sum().backward();
      grads[symmetric] = a.grad();
    }
    EXPECT_TRUE(torch::allclose(grads[0], grads[1], 1e-12, 1e-12)) << "nhwc " << nhwc;
    EXPECT_GT(grads[1].abs().max().item<double>(), 0.0);
  }
}

// The Gram through BLAS's symmetric rank-k update (Tuning::syrk_gram, float32 on the CPU)
// against autograd's general product: the same value and gradient up to float32 rounding, on both
// memory layouts, with the Gram used twice (as the engine's per-style report does).
TEST(Losses, RankKGramEqualsAutogradsInValueAndGradient) {
  torch::manual_seed(4);
  for (const bool nhwc : {false, true}) {
    auto base = torch::randn({1, 24, 9, 7}, torch::kFloat32);
    if (nhwc) base = base.contiguous(torch::MemoryFormat::ChannelsLast);
    const auto target = torch::randn({24, 24}, torch::kFloat32);
    torch::Tensor values[2], grads[2];
    for (const bool rank_k : {false, true}) {
      auto a = base.clone().set_requires_grad(true);
      auto g = ns::gram_matrix(a.relu(), /*symmetric_backward=*/false, rank_k);
      values[rank_k] = g.detach();
      ((g - target).pow(2).sum() + 0.5 * g.sum()).backward();
      grads[rank_k] = a.grad();
    }
    EXPECT_TRUE(torch::allclose(values[0], values[1], 1e-5, 1e-5)) << "nhwc " << nhwc;
    EXPECT_TRUE(torch::allclose(grads[0], grads[1], 1e-4, 1e-3)) << "nhwc " << nhwc;
    EXPECT_GT(grads[1].abs().max().item<double>(), 1.0);
  }
}

// J = α·J_content + β·J_style + γ·J_tv through a narrow VGG-19 in double precision: the
// autograd gradient must match central differences.
TEST(Losses, GradientOfObjectiveMatchesFiniteDifferences) {
  torch::manual_seed(1);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  const int depth = ns::tap_index("relu2_1") + 1;
  ns::Vgg19 net = ns::Vgg19::random(depth, 16, opts);
  auto content = torch::rand({1, 3, 12, 10}, opts);
  auto style = torch::rand({1, 3, 12, 10}, opts);
  const std::vector<int> taps = {ns::tap_index("relu1_1"), ns::tap_index("relu2_1"),
                                 ns::tap_index("relu1_2")};
  auto style_feats = net.forward(style, {taps[0], taps[1]});
  auto g0 = ns::gram_matrix(style_feats[0]), g1 = ns::gram_matrix(style_feats[1]);
  auto a_c = net.forward(content, {taps[2]})[0];

  auto objective = [&](const torch::Tensor& x) {
    auto f = net.forward(x, taps);
    auto style_l = 0.5 * ns::style_layer_cost(g0, f[0]) + 0.5 * ns::style_layer_cost(g1, f[1]);
    return 2.0 * ns::content_cost(a_c, f[2]) + 30.0 * style_l + 0.1 * ns::tv_cost(x);
  };

  auto x = torch::rand({1, 3, 12, 10}, opts).requires_grad_(true);
  auto j = objective(x);
  j.backward();
  auto grad = x.grad().clone();

  const double eps = 1e-6;
  auto flat = x.detach().clone().view(-1);
  int checked = 0;
  for (int64_t i = 0; i < flat.numel(); i += 37) {
    auto plus = flat.clone(), minus = flat.clone();
    plus[i] += eps;
    minus[i] -= eps;
    const double jp = objective(plus.view(x.sizes())).item<double>();
    const double jm = objective(minus.view(x.sizes())).item<double>();
    const double numeric = (jp - jm) / (2 * eps);
    const double analytic = grad.view(-1)[i].item<double>();
    EXPECT_NEAR(analytic, numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << "pixel " << i;
    ++checked;
  }
  EXPECT_GE(checked, 9);
}

TEST(Losses, GramOfChannelsLastActivationEqualsNchw) {
  auto a = torch::rand({1, 6, 5, 7}, torch::kFloat64);
  auto nhwc = a.contiguous(torch::MemoryFormat::ChannelsLast);
  ASSERT_FALSE(nhwc.is_contiguous());
  EXPECT_TRUE(torch::allclose(ns::gram_matrix(nhwc), ns::gram_matrix(a), 1e-12, 1e-12));
}
