// The objective's terms against hand computations, and its gradient against finite differences.
#include <gtest/gtest.h>

#include "device.h"
#include "geometry.h"
#include "losses.h"
#include "matmul.h"
#include "tuning.h"
#include "vgg19.h"
#include "winograd_conv.h"

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

// The Gram's products through oneDNN (Tuning::onednn_gram, float32 on the CPU) against autograd's
// general product: the same value and gradient up to float32 rounding, on both memory layouts,
// with the Gram used twice (as the engine's per-style report does). Skipped where the build has
// no oneDNN: then both sides are the same at::mm.
TEST(Losses, OneDnnGramEqualsAutogradsInValueAndGradient) {
  if (!ns::onednn_matmul_built()) GTEST_SKIP() << "built without oneDNN";
  torch::manual_seed(4);
  for (const bool nhwc : {false, true}) {
    auto base = torch::randn({1, 24, 9, 7}, torch::kFloat32);
    if (nhwc) base = base.contiguous(torch::MemoryFormat::ChannelsLast);
    const auto target = torch::randn({24, 24}, torch::kFloat32);
    torch::Tensor values[2], grads[2];
    for (const bool onednn : {false, true}) {
      auto a = base.clone().set_requires_grad(true);
      auto g = ns::gram_matrix(a.relu(), /*symmetric_backward=*/onednn, onednn);
      values[onednn] = g.detach();
      ((g - target).pow(2).sum() + 0.5 * g.sum()).backward();
      grads[onednn] = a.grad();
    }
    EXPECT_TRUE(torch::allclose(values[0], values[1], 1e-5, 1e-5)) << "nhwc " << nhwc;
    EXPECT_TRUE(torch::allclose(grads[0], grads[1], 1e-4, 1e-3)) << "nhwc " << nhwc;
    EXPECT_GT(grads[1].abs().max().item<double>(), 1.0);
  }
}

// ns::matmul: oneDNN's sgemm where it applies (dense rows or columns, float32, CPU), at::mm
// elsewhere; either way the product a user would compute, for every combination of transposed
// operands and for operands it must hand to at::mm (a strided view, float64).
TEST(Losses, MatmulEqualsTheProductForEveryOperandLayout) {
  torch::manual_seed(6);
  const auto a = torch::randn({37, 19}), b = torch::randn({19, 23});
  const auto expected = torch::mm(a.to(torch::kFloat64), b.to(torch::kFloat64));
  for (const bool onednn : {false, true}) {
    for (const bool at : {false, true}) {
      for (const bool bt : {false, true}) {
        const auto a_op = at ? a.t().contiguous().t() : a;
        const auto b_op = bt ? b.t().contiguous().t() : b;
        const auto c = ns::matmul(a_op, b_op, onednn);
        EXPECT_TRUE(torch::allclose(c.to(torch::kFloat64), expected, 1e-5, 1e-5))
            << "onednn " << onednn << " a transposed " << at << " b transposed " << bt;
      }
    }
    const auto wide = torch::randn({37, 38});
    const auto strided = wide.narrow(1, 0, 38).slice(1, 0, 38, 2);  // every other column
    EXPECT_TRUE(torch::allclose(ns::matmul(strided, b, onednn), torch::mm(strided, b), 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(ns::matmul(a.to(torch::kFloat64), b.to(torch::kFloat64), onednn),
                                expected, 1e-12, 1e-12));
  }
}

// Region Grams (Gatys et al. 2017): the one-pass Function against autograd through the weighted
// copies Gram(√m_r ⊙ A), in value and gradient, on both layouts, with a region left out
// (undefined mask), a region whose Gram the loss does not use, and masks that are zero outside a
// box (taken over the box alone; the gradient of the first such region fills the rest with
// zeros), over one position, or everywhere.
TEST(Losses, RegionGramsEqualAutogradThroughWeightedCopies) {
  torch::manual_seed(8);
  for (const bool nhwc : {false, true}) {
    for (const bool onednn : {false, true}) {
      auto base = torch::randn({1, 6, 5, 4}, torch::kFloat64);
      if (nhwc) base = base.contiguous(torch::MemoryFormat::ChannelsLast);
      // m0 is zero on the border: its box is rows 1–3, columns 1–2.
      auto m0 = torch::rand({1, 1, 5, 4}, torch::kFloat64) + 0.01;
      for (const int64_t row : {0, 4}) m0.narrow(2, row, 1).zero_();
      for (const int64_t column : {0, 3}) m0.narrow(3, column, 1).zero_();
      const auto m2 = 1.0 - m0;  // above zero everywhere
      auto m4 = torch::zeros({1, 1, 5, 4}, torch::kFloat64);
      m4[0][0][2][1] = 0.7;
      const std::vector<torch::Tensor> sqrt_masks = {
          m0.sqrt(), torch::Tensor(),
          m2.sqrt(), torch::ones({1, 1, 5, 4}, torch::kFloat64),
          m4.sqrt(), torch::zeros({1, 1, 5, 4}, torch::kFloat64)};
      const ns::PositionBox box0 = ns::support_box(m0), box4 = ns::support_box(m4),
                            box5 = ns::support_box(sqrt_masks[5]);
      EXPECT_EQ(std::vector<int64_t>({box0.y0, box0.y1, box0.x0, box0.x1}),
                std::vector<int64_t>({1, 4, 1, 3}));
      EXPECT_EQ(std::vector<int64_t>({box4.y0, box4.y1, box4.x0, box4.x1}),
                std::vector<int64_t>({2, 3, 1, 2}));
      EXPECT_EQ(box5.y1 - box5.y0, 0);
      const auto t0 = torch::rand({6, 6}, torch::kFloat64),
                 t2 = torch::rand({6, 6}, torch::kFloat64),
                 t4 = torch::rand({6, 6}, torch::kFloat64);

      auto a = base.clone().set_requires_grad(true);
      const auto grams = ns::region_gram_matrices(a.relu(), sqrt_masks, onednn);
      ASSERT_EQ(grams.size(), 6u);
      EXPECT_FALSE(grams[1].defined());
      // grams[3] and grams[5] are left unused: they must not disturb the gradient of the others.
      ((grams[0] - t0).pow(2).sum() + 3.0 * (grams[2] - t2).pow(2).sum() +
       0.5 * (grams[4] - t4).pow(2).sum())
          .backward();

      auto b = base.clone().set_requires_grad(true);
      const auto rb = b.relu();
      const auto g0 = ns::gram_matrix(rb * sqrt_masks[0], false);
      const auto g2 = ns::gram_matrix(rb * sqrt_masks[2], false);
      const auto g4 = ns::gram_matrix(rb * sqrt_masks[4], false);
      ((g0 - t0).pow(2).sum() + 3.0 * (g2 - t2).pow(2).sum() + 0.5 * (g4 - t4).pow(2).sum())
          .backward();

      EXPECT_TRUE(torch::allclose(grams[0], g0, 1e-12, 1e-12)) << nhwc << onednn;
      EXPECT_TRUE(torch::allclose(grams[2], g2, 1e-12, 1e-12)) << nhwc << onednn;
      EXPECT_TRUE(torch::allclose(grams[4], g4, 1e-12, 1e-12)) << nhwc << onednn;
      EXPECT_TRUE(torch::allclose(grams[3], ns::gram_matrix(base.relu()), 1e-12, 1e-12));
      EXPECT_EQ(grams[5].abs().max().item<double>(), 0.0);
      EXPECT_TRUE(torch::allclose(a.grad(), b.grad(), 1e-10, 1e-10)) << nhwc << onednn;
      EXPECT_GT(a.grad().abs().max().item<double>(), 0.0);
    }
  }
}

// oneDNN's Winograd convolution against LibTorch's direct one: the same output up to rounding for
// either input layout, with and without bias, in NHWC; not used for fewer than 16 input
// channels. Skipped where the build or the CPU has no Winograd kernel (it needs AVX-512).
TEST(Losses, WinogradConvolutionEqualsTheDirectOne) {
  torch::manual_seed(10);
  const auto weight = torch::randn({32, 16, 3, 3}) * 0.1;
  const auto bias = torch::randn({32});
  if (!ns::winograd_conv3x3(torch::rand({1, 16, 8, 8}), weight, bias).defined())
    GTEST_SKIP() << "no Winograd kernel in this build or on this CPU";
  for (const bool nhwc : {false, true}) {
    auto x = torch::rand({1, 16, 23, 17});
    auto w = weight;
    if (nhwc) {
      x = x.contiguous(torch::MemoryFormat::ChannelsLast);
      w = w.contiguous(torch::MemoryFormat::ChannelsLast);
    }
    for (const bool with_bias : {false, true}) {
      const torch::Tensor b = with_bias ? bias : torch::Tensor();
      const auto y = ns::winograd_conv3x3(x, w, b);
      ASSERT_TRUE(y.defined());
      EXPECT_TRUE(y.is_contiguous(torch::MemoryFormat::ChannelsLast));
      const auto expected = torch::nn::functional::conv2d(
          x, w, torch::nn::functional::Conv2dFuncOptions().bias(b).padding(1));
      EXPECT_TRUE(torch::allclose(y, expected, 1e-4, 1e-5))
          << "nhwc " << nhwc << " bias " << with_bias << " max difference "
          << (y - expected).abs().max().item<double>();
    }
  }
  EXPECT_FALSE(
      ns::winograd_conv3x3(torch::rand({1, 8, 8, 8}), torch::randn({16, 8, 3, 3}), torch::Tensor())
          .defined());
  EXPECT_FALSE(ns::winograd_conv3x3(torch::rand({1, 16, 8, 8}, torch::kFloat64),
                                    weight.to(torch::kFloat64), torch::Tensor())
                   .defined());
}

// The convolutions' backward pass as a forward convolution with the adjoint weights
// (Vgg19::use_forward_adjoints, Tuning::conv_backward_as_forward): the gradient of an objective on
// several taps through pooling equals autograd's, in float32 on both layouts; a float64 pass is
// left to autograd, and under bf16 autocast the network falls back to autograd as well.
TEST(Losses, ForwardAdjointConvolutionGivesAutogradsGradient) {
  torch::manual_seed(9);
  const int depth = ns::tap_index("relu3_1") + 1;
  const std::vector<int> taps = {ns::tap_index("relu1_1"), ns::tap_index("relu2_1"),
                                 ns::tap_index("relu3_1")};
  for (const bool nhwc : {false, true}) {
    ns::Vgg19 net = ns::Vgg19::random(depth, 8, torch::TensorOptions().dtype(torch::kFloat32));
    if (nhwc) net.set_memory_format(torch::MemoryFormat::ChannelsLast);
    const auto image = torch::rand({1, 3, 20, 16});
    const auto objective = [&](const std::vector<torch::Tensor>& f) {
      return f[0].pow(2).mean() + ns::gram_matrix(f[1]).sum() * 1e-3 + f[2].sum();
    };
    torch::Tensor grads[3], bf16_grads[3];
    for (const int adjoint : {0, 1, 2}) {
      // 0: autograd's backward; 1: the adjoint; 2: the adjoint, and Winograd both ways.
      if (adjoint == 1) net.use_forward_adjoints(depth);
      net.use_winograd(adjoint == 2);
      auto x = image.clone().set_requires_grad(true);
      objective(net.forward(x, taps)).backward();
      grads[adjoint] = x.grad();

      // bf16 autocast, as the engine runs it: the forward pass in the scope, the backward after.
      auto y = image.clone().set_requires_grad(true);
      std::vector<torch::Tensor> f;
      {
        ns::PrecisionScope scope(ns::Precision::BFloat16, torch::Device(torch::kCPU));
        f = net.forward(y, taps);
      }
      for (auto& t : f) t = t.to(torch::kFloat32);
      objective(f).backward();
      bf16_grads[adjoint] = y.grad();
    }
    EXPECT_TRUE(torch::allclose(grads[0], grads[1], 1e-4, 1e-5)) << "nhwc " << nhwc;
    EXPECT_TRUE(torch::allclose(grads[0], grads[2], 1e-4, 1e-5)) << "nhwc " << nhwc;
    EXPECT_GT(grads[1].abs().max().item<double>(), 0.0);
    EXPECT_TRUE(torch::equal(bf16_grads[0], bf16_grads[1])) << "nhwc " << nhwc;
    EXPECT_TRUE(torch::equal(bf16_grads[0], bf16_grads[2])) << "nhwc " << nhwc;
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
