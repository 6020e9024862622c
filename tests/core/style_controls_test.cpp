// Style controls: blended Gram targets, style scale, colour preservation, presets.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "geometry.h"
#include "image_ops.h"
#include "neural_style/color.h"
#include "neural_style/neural_style.h"
#include "style_targets.h"
#include "test_images.h"
#include "test_models.h"
#include "vgg19.h"

namespace ns = neural_style;

namespace {

ns::Params small_params() {
  ns::Params p = ns::default_params();
  p.random_width_divisor = 8;
  p.max_size = 48;
  p.scales = 1;
  p.iterations = 8;
  return p;
}

// A second style, unlike test_images::style: soft waves in warm colours, the three channels
// varying independently (a full-rank colour covariance).
ns::Image waves(int w, int h) {
  ns::Image img = ns::Image::zeros(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float* p = &img.rgb[(static_cast<std::size_t>(y) * w + x) * 3];
      const double s = 0.5 + 0.5 * std::sin(y * 0.9 + 0.3 * std::sin(x * 0.4));
      const double c = 0.5 + 0.5 * std::cos(x * 0.7);
      const double t = 0.5 + 0.5 * std::sin((x + y) * 0.5);
      p[0] = static_cast<float>(0.55 + 0.35 * s);
      p[1] = static_cast<float>(0.3 + 0.2 * c);
      p[2] = static_cast<float>(0.05 + 0.1 * s + 0.1 * t);
    }
  return img;
}

struct Outcome {
  ns::Status status;
  ns::Image result;
  std::vector<ns::Progress> steps;
};

Outcome run(const ns::Image& content, const std::vector<ns::Image>& styles, const ns::Params& p) {
  Outcome r;
  ns::Callbacks cb;
  cb.on_progress = [&r](const ns::Progress& pr) {
    ns::Progress copy = pr;
    copy.snapshot = nullptr;
    r.steps.push_back(copy);
  };
  r.status = ns::run(content, styles, p, cb, &r.result);
  return r;
}

double mean_abs_diff(const ns::Image& a, const ns::Image& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i) d += std::abs(a.rgb[i] - b.rgb[i]);
  return d / static_cast<double>(a.rgb.size());
}

// Linear-light Rec. 709 YCbCr, computed here independently of the core's code.
struct Ycc {
  std::vector<double> y, cb, cr;
};
Ycc ycbcr(const ns::Image& img) {
  auto lin = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
  Ycc o;
  for (std::size_t i = 0; i < img.pixel_count(); ++i) {
    const double r = lin(img.rgb[3 * i]), g = lin(img.rgb[3 * i + 1]), b = lin(img.rgb[3 * i + 2]);
    const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    o.y.push_back(y);
    o.cb.push_back((b - y) / 1.8556);
    o.cr.push_back((r - y) / 1.5748);
  }
  return o;
}
double mean_abs(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d += std::abs(a[i] - b[i]);
  return d / static_cast<double>(a.size());
}
double chroma_distance(const ns::Image& a, const ns::Image& b) {
  const Ycc x = ycbcr(a), y = ycbcr(b);
  return 0.5 * (mean_abs(x.cb, y.cb) + mean_abs(x.cr, y.cr));
}

// G = A·Aᵀ written out, A the (C, H·W) activation.
torch::Tensor hand_gram(const torch::Tensor& activation) {
  auto a = activation.contiguous().view({activation.size(1), -1}).to(torch::kFloat64);
  return torch::matmul(a, a.transpose(0, 1));
}

}  // namespace

TEST(StyleBlend, NormalisedToSumOne) {
  const auto equal = ns::normalized_blend({}, 4);
  ASSERT_EQ(equal.size(), 4u);
  for (double w : equal) EXPECT_DOUBLE_EQ(w, 0.25);
  const auto w = ns::normalized_blend({2, 6}, 2);
  EXPECT_DOUBLE_EQ(w[0], 0.25);
  EXPECT_DOUBLE_EQ(w[1], 0.75);
}

TEST(StyleBlend, BlendedGramsMatchAHandComputation) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  const ns::Vgg19 net = ns::Vgg19::random(5, 8, opts);  // up to relu3_1
  const std::vector<int> taps = {ns::tap_index("relu1_1"), ns::tap_index("relu2_1"),
                                 ns::tap_index("relu3_1")};
  // Two styles of different sizes and aspects; the generated image is 48x32.
  const auto a = ns::image_to_tensor(test_images::style(40, 40), opts);
  const auto b = ns::image_to_tensor(waves(56, 24), opts);
  const std::vector<std::int64_t> generated_hw = {48 * 32, 24 * 16, 12 * 8};
  const auto weights = ns::normalized_blend({1, 3}, 2);
  const auto grams = ns::blended_grams(net, {a, b}, weights, taps, generated_hw);
  ASSERT_EQ(grams.size(), taps.size());

  const auto fa = net.forward(a, taps), fb = net.forward(b, taps);
  for (std::size_t i = 0; i < taps.size(); ++i) {
    const double hw_a = static_cast<double>(fa[i].size(2) * fa[i].size(3));
    const double hw_b = static_cast<double>(fb[i].size(2) * fb[i].size(3));
    const double g = static_cast<double>(generated_hw[i]);
    // Σ_k w_k G_k, each Gram taken per position of the generated image.
    const auto expected =
        0.25 * hand_gram(fa[i]) * (g / hw_a) + 0.75 * hand_gram(fb[i]) * (g / hw_b);
    const auto got = grams[i].to(torch::kFloat64);
    const double err = (got - expected).abs().max().item<double>();
    const double scale = expected.abs().max().item<double>();
    EXPECT_LT(err, 1e-4 * scale) << "tap " << i;
    // And not just one style's Gram: each alone is far from the blend.
    EXPECT_GT((hand_gram(fa[i]) * (g / hw_a) - expected).abs().max().item<double>(), 0.05 * scale);
  }
}

TEST(StyleBlend, RunUsesTheBlendedTargetAndItsNorm) {
  const ns::Image content = test_images::content(48, 32);
  const ns::Image a = test_images::style(40, 40), b = waves(48, 32);
  ns::Params p = small_params();
  p.iterations = 1;
  p.style_blend = {1, 3};
  const Outcome r = run(content, {a, b}, p);
  ASSERT_TRUE(r.status.ok()) << r.status.message;

  // The same network and resampling as the engine: each style's longest side becomes 48.
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  ns::Params resolved = p;
  ns::apply_layer_set(ns::LayerSet::Deep, &resolved);
  const ns::Vgg19 net = ns::Vgg19::random(ns::deepest_tap(resolved) + 1, 8, opts);
  std::vector<int> taps;
  for (const auto& lw : resolved.style_layers) taps.push_back(ns::tap_index(lw.layer));
  const auto ta = ns::resample(ns::image_to_tensor(a, opts), {48, 48});
  const auto tb = ns::resample(ns::image_to_tensor(b, opts), {48, 32});
  const auto fc = net.forward(ns::image_to_tensor(content, opts), taps);
  const auto fa = net.forward(ta, taps), fb = net.forward(tb, taps);
  ASSERT_FALSE(r.steps.empty());
  const auto& reported = r.steps.front().effective_style_weights;
  ASSERT_EQ(reported.size(), taps.size());
  for (std::size_t i = 0; i < taps.size(); ++i) {
    const double hw = static_cast<double>(fc[i].size(2) * fc[i].size(3));
    const double c = static_cast<double>(fc[i].size(1));
    const auto target = 0.25 * hand_gram(fa[i]) * (hw / (fa[i].size(2) * fa[i].size(3))) +
                        0.75 * hand_gram(fb[i]) * (hw / (fb[i].size(2) * fb[i].size(3)));
    const double norm = target.pow(2).sum().item<double>();
    const double expected =
        p.style_weight * resolved.style_layers[i].weight * 4 * c * c * hw * hw / norm;
    EXPECT_NEAR(reported[i] / expected, 1.0, 1e-3) << resolved.style_layers[i].layer;
  }
}

TEST(StyleBlend, AllWeightOnOneStyleIsThatStyleAlone) {
  const ns::Image content = test_images::content(48, 32);
  const ns::Image a = test_images::style(40, 40), b = waves(48, 32);
  ns::Params p = small_params();
  const Outcome alone = run(content, {a}, p);
  p.style_blend = {5, 0};
  const Outcome blended = run(content, {a, b}, p);
  p.style_blend = {0.5, 0.5};
  const Outcome even = run(content, {a, b}, p);
  p.style_blend = {2, 2};
  const Outcome even_unnormalised = run(content, {a, b}, p);
  ASSERT_TRUE(alone.status.ok() && blended.status.ok() && even.status.ok()) << even.status.message;
  EXPECT_EQ(alone.result.rgb, blended.result.rgb);
  EXPECT_EQ(even.result.rgb, even_unnormalised.result.rgb);   // normalised to sum 1
  EXPECT_GT(mean_abs_diff(even.result, alone.result), 1e-3);  // the second style counts
}

TEST(StyleBlend, BadBlendsAreRefusedByName) {
  const ns::Image content = test_images::content(48, 32);
  const std::vector<ns::Image> two = {test_images::style(40, 40), waves(40, 40)};
  ns::Params p = small_params();
  for (const std::vector<double>& blend :
       std::vector<std::vector<double>>{{1, -1}, {0, 0}, {1, 2, 3}, {1, std::nan("")}}) {
    p.style_blend = blend;
    const ns::Status s = ns::validate(p, content, two);
    EXPECT_EQ(s.code, ns::Status::Code::InvalidArgument);
    EXPECT_NE(s.message.find("style blend"), std::string::npos) << s.message;
    ns::Image out;
    EXPECT_EQ(ns::run(content, two, p, {}, &out).code, ns::Status::Code::InvalidArgument);
  }
  p.style_blend.clear();
  EXPECT_FALSE(ns::validate(p, content, std::vector<ns::Image>{}).ok());
  EXPECT_FALSE(
      ns::validate(p, content, std::vector<ns::Image>(ns::limits().styles_max + 1, two[0])).ok());
  p.style_scale = ns::limits().style_scale_max * 2;
  EXPECT_NE(ns::validate(p, content, two).message.find("style scale"), std::string::npos);
}

TEST(StyleScale, SizesFollowTheProcessingSize) {
  const ns::Size level{64, 48};
  EXPECT_EQ(ns::style_size_for({100, 50}, level, 1.0, 16, 1e9), (ns::Size{64, 32}));
  EXPECT_EQ(ns::style_size_for({100, 50}, level, 2.0, 16, 1e9), (ns::Size{128, 64}));
  // Clamped: the shorter side never drops under the minimum, the pixels never over the cap.
  const ns::Size tiny = ns::style_size_for({100, 50}, level, 0.1, 16, 1e9);
  EXPECT_EQ(tiny.height, 16);
  EXPECT_EQ(tiny.width, 32);
  const ns::Size capped = ns::style_size_for({100, 50}, level, 4.0, 16, 128 * 64);
  EXPECT_LE(capped.width * capped.height, 128 * 64);
  EXPECT_GE(capped.width, 120);
}

TEST(StyleScale, ChangesTheTargetAndTheResult) {
  const ns::Image content = test_images::content(48, 48);
  const ns::Image style = test_images::style(64, 64);
  ns::Params p = small_params();
  p.style_scale = 0.5;
  const Outcome small = run(content, {style}, p);
  p.style_scale = 2.0;
  const Outcome big = run(content, {style}, p);
  ASSERT_TRUE(small.status.ok() && big.status.ok()) << small.status.message;
  // The normaliser is 1/ΣG_S², so a different Gram target shows in the effective weights.
  const double w_small = small.steps.front().effective_style_weights.front();
  const double w_big = big.steps.front().effective_style_weights.front();
  EXPECT_GT(std::abs(w_small - w_big) / w_big, 0.05) << w_small << " vs " << w_big;
  EXPECT_GT(mean_abs_diff(small.result, big.result), 0.005);
}

TEST(ColorPreservation, LuminanceKeepsTheContentsChroma) {
  const ns::Image content = test_images::content(48, 40);
  ns::Params p = small_params();
  p.iterations = 15;
  const Outcome plain = run(content, {test_images::style(40, 40)}, p);
  p.color_preservation = ns::ColorPreservation::Luminance;
  const Outcome kept = run(content, {test_images::style(40, 40)}, p);
  ASSERT_TRUE(plain.status.ok() && kept.status.ok()) << kept.status.message;
  // Without it the chroma moves towards the style's; with it the content's stays.
  const double moved = chroma_distance(plain.result, content);
  const double stayed = chroma_distance(kept.result, content);
  EXPECT_GT(moved, 0.01);
  EXPECT_LT(stayed, 0.1 * moved) << stayed << " vs " << moved;
  // Not zero: where the stylised luminance is near black or white a chroma cannot be shown.
  EXPECT_LT(stayed, 0.01);
  // The luminance is the stylised result's, not the content's.
  const Ycc k = ycbcr(kept.result), s = ycbcr(plain.result), c = ycbcr(content);
  EXPECT_LT(mean_abs(k.y, s.y), 0.01);
  EXPECT_GT(mean_abs(k.y, c.y), 3 * mean_abs(k.y, s.y));
}

TEST(ColorPreservation, TransferMatchesMeanAndCovariance) {
  // A content and a style with compatible spreads, so that nothing needs clipping.
  const ns::Image content = test_images::content(64, 48);
  ns::Image style = waves(50, 40);
  for (std::size_t i = 0; i < style.rgb.size(); i += 3) {
    style.rgb[i + 2] += 0.3f * style.rgb[i];  // correlated channels, unlike the content's
  }
  const ns::Image moved = ns::match_color_statistics(style, content);
  const ns::ColorStats c = ns::color_stats(content), m = ns::color_stats(moved),
                       s = ns::color_stats(style);
  double before = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(m.mean[i], c.mean[i], 0.01) << i;
    before += std::abs(s.mean[i] - c.mean[i]);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(m.cov[i][j], c.cov[i][j], 0.003) << i << "," << j;
  }
  EXPECT_GT(before, 0.1);  // the style's palette really was different
  // The layout is the style's: still waves, just recoloured (correlation of the luminance).
  const auto ym = test_images::luminance(moved), ys = test_images::luminance(style);
  double mm = 0, ms = 0;
  for (std::size_t i = 0; i < ym.size(); ++i) mm += ym[i], ms += ys[i];
  mm /= ym.size();
  ms /= ys.size();
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < ym.size(); ++i) {
    sab += (ym[i] - mm) * (ys[i] - ms);
    saa += (ym[i] - mm) * (ym[i] - mm);
    sbb += (ys[i] - ms) * (ys[i] - ms);
  }
  EXPECT_GT(std::abs(sab) / std::sqrt(saa * sbb), 0.7);
}

// The pre-step is exactly "recolour each style, then run": the random test network moves
// palettes too little in a few steps to measure the effect on the result's colours, so this
// checks the wiring, and TransferMatchesMeanAndCovariance the recolouring itself.
TEST(ColorPreservation, TransferRunIsARunOnTheRecolouredStyles) {
  const ns::Image content = test_images::content(48, 40);
  const ns::Image a = waves(40, 40), b = test_images::style(40, 40);
  ns::Params p = small_params();
  p.style_blend = {1, 1};
  const Outcome plain = run(content, {a, b}, p);
  const Outcome by_hand = run(
      content, {ns::match_color_statistics(a, content), ns::match_color_statistics(b, content)}, p);
  p.color_preservation = ns::ColorPreservation::ColorTransfer;
  const Outcome transfer = run(content, {a, b}, p);
  ASSERT_TRUE(plain.status.ok() && by_hand.status.ok() && transfer.status.ok())
      << transfer.status.message;
  EXPECT_EQ(transfer.result.rgb, by_hand.result.rgb);
  EXPECT_GT(mean_abs_diff(transfer.result, plain.result), 1e-3);
}

TEST(Presets, EachIsValidAndRunsOnATinyImage) {
  const ns::Image content = test_images::content(48, 40);
  const ns::Image style = test_images::style(40, 40);
  ASSERT_GE(ns::presets().size(), 4u);
  for (const ns::Preset& preset : ns::presets()) {
    ns::Params p = ns::default_params();
    ASSERT_TRUE(ns::apply_preset(preset.name, &p)) << preset.name;
    EXPECT_TRUE(ns::validate(p, content, style).ok()) << preset.name;
    // The preset as it is, on a narrow network; only its step count is cut so that
    // high-quality's 400 L-BFGS steps stay a test of seconds.
    p.random_width_divisor = 8;
    p.iterations = std::min(p.iterations, 4);
    const Outcome r = run(content, {style}, p);
    ASSERT_TRUE(r.status.ok()) << preset.name << ": " << r.status.message;
    EXPECT_EQ(r.result.width, 48);
    EXPECT_EQ(r.result.height, 40);
    for (float v : r.result.rgb) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << preset.name;
    EXPECT_GT(mean_abs_diff(r.result, content), 1e-3) << preset.name;
  }
  ns::Params p;
  EXPECT_FALSE(ns::apply_preset("no-such-preset", &p));
}

TEST(Presets, SetTheIndividualValues) {
  ns::Params p = ns::default_params();
  p.seed = 7;
  p.style_scale = 2;
  ASSERT_TRUE(ns::apply_preset("seed-recipe", &p));
  EXPECT_EQ(p.optimizer, ns::Optimizer::Adam);
  EXPECT_DOUBLE_EQ(p.learning_rate, 0.03);
  EXPECT_FALSE(p.normalize_weights);
  EXPECT_DOUBLE_EQ(p.content_weight, 10);
  EXPECT_DOUBLE_EQ(p.style_weight, 40);
  EXPECT_EQ(p.layer_set, ns::LayerSet::Custom);
  EXPECT_EQ(p.content_layer, "relu5_4");
  ASSERT_EQ(p.style_layers.size(), 5u);
  for (const auto& lw : p.style_layers) EXPECT_DOUBLE_EQ(lw.weight, 0.2);
  EXPECT_EQ(p.style_layers.back().layer, "relu5_1");
  // Values presets are not about are the user's.
  EXPECT_EQ(p.seed, 7u);
  EXPECT_DOUBLE_EQ(p.style_scale, 2);
  // One preset after another is that preset alone.
  ASSERT_TRUE(ns::apply_preset("balanced", &p));
  ns::Params d = ns::default_params();
  EXPECT_TRUE(p.normalize_weights);
  EXPECT_EQ(p.content_layer, d.content_layer);
  EXPECT_EQ(p.iterations, d.iterations);
  EXPECT_DOUBLE_EQ(p.learning_rate, d.learning_rate);
  ASSERT_TRUE(ns::apply_preset("high-quality", &p));
  EXPECT_EQ(p.optimizer, ns::Optimizer::LBFGS);
  EXPECT_GT(p.iterations, d.iterations);
  EXPECT_EQ(p.max_size, 0);
  ASSERT_TRUE(ns::apply_preset("fast-preview", &p));
  EXPECT_LE(p.max_size, 256);
  EXPECT_LT(p.iterations, d.iterations);
  EXPECT_GE(p.scales, 2);
}

// --- Region styles --------------------------------------------------------------------------

namespace {

// 1 on the left of `edge` (a fraction of the width), 0 on the right, ramping over `soft` pixels.
ns::Mask left_of(int w, int h, double edge, int soft) {
  ns::Mask m;
  m.width = w;
  m.height = h;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double d = (edge * w - (x + 0.5)) / std::max(1, soft) + 0.5;
      m.values.push_back(static_cast<float>(std::clamp(d, 0.0, 1.0)));
    }
  return m;
}

ns::Mask inverted(const ns::Mask& m) {
  ns::Mask out = m;
  for (float& v : out.values) v = 1.0f - v;
  return out;
}

// Mean colour of the columns [x0, x1) of an image.
std::array<double, 3> mean_colour(const ns::Image& img, int x0, int x1) {
  std::array<double, 3> sum{};
  for (int y = 0; y < img.height; ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < 3; ++c)
        sum[c] += img.rgb[(static_cast<std::size_t>(y) * img.width + x) * 3 + c];
  for (double& s : sum) s /= static_cast<double>(img.height) * (x1 - x0);
  return sum;
}

double distance(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                   (a[2] - b[2]) * (a[2] - b[2]));
}

// A cold counterpart of waves(): the same structure in blues and greens.
ns::Image cold_waves(int w, int h) {
  ns::Image img = waves(w, h);
  for (std::size_t i = 0; i < img.pixel_count(); ++i) std::swap(img.rgb[3 * i], img.rgb[3 * i + 2]);
  return img;
}

}  // namespace

// A region that covers everything is no region at all: the same losses and picture up to
// rounding (Gram(√1 ⊙ F)/1 = Gram(F)); the mask may have any size of the content's shape.
TEST(StyleRegions, ARegionCoveringEverythingIsThePlainRun) {
  const ns::Image content = test_images::content(48, 36);
  const std::vector<ns::Image> styles = {test_images::style(40, 40)};
  ns::Params p = small_params();
  const Outcome plain = run(content, styles, p);
  ASSERT_TRUE(plain.status.ok()) << plain.status.message;
  ns::Mask all;
  all.width = 24;
  all.height = 18;
  all.values.assign(24 * 18, 1.0f);
  p.style_regions = {all};
  const Outcome region = run(content, styles, p);
  ASSERT_TRUE(region.status.ok()) << region.status.message;
  ASSERT_EQ(plain.steps.size(), region.steps.size());
  for (std::size_t i = 0; i < plain.steps.size(); ++i)
    EXPECT_NEAR(region.steps[i].total_loss, plain.steps[i].total_loss,
                1e-4 * plain.steps[i].total_loss)
        << "step " << i;
  EXPECT_GT(test_images::psnr(plain.result, region.result), 50.0);
}

TEST(StyleRegions, BadRegionsAreRefusedByName) {
  const ns::Image content = test_images::content(48, 36);
  const std::vector<ns::Image> styles = {test_images::style(40, 40), waves(40, 40)};
  ns::Params p = small_params();
  p.style_regions = {left_of(48, 36, 0.5, 4)};  // one region for two styles
  ns::Status s = ns::validate(p, content, styles);
  EXPECT_EQ(s.code, ns::Status::Code::InvalidArgument);
  EXPECT_NE(s.message.find("2 style images"), std::string::npos) << s.message;
  p.style_regions = {left_of(48, 48, 0.5, 4), ns::Mask{}};  // square over a 4:3 content
  s = ns::validate(p, content, styles);
  EXPECT_EQ(s.code, ns::Status::Code::InvalidArgument);
  EXPECT_NE(s.message.find("region of style 1"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("1 %"), std::string::npos) << s.message;
  p.style_regions = {left_of(48, 36, 0.5, 4), ns::Mask{}};
  EXPECT_TRUE(ns::validate(p, content, styles).ok());
}

// Two styles of opposite palettes, one on the left half and one on the right (soft edge), on the
// real ImageNet layers: each half moves towards its own style's colours, and the edge between
// them is no harder than the picture's own steps.
TEST(StyleRegions, EachHalfTakesItsOwnStylesPalette) {
  const std::string weights = test_models::bundled();
  if (weights.empty()) GTEST_SKIP() << "NEURAL_STYLE_BUNDLED_MODEL not set";
  const int w = 64, h = 48;
  const ns::Image content = test_images::content(w, h);
  const ns::Image warm = waves(48, 48), cold = cold_waves(48, 48);
  ns::Params p = ns::default_params();
  p.weights_file = weights;
  p.max_size = 0;
  p.scales = 1;
  p.iterations = 60;
  const ns::Mask left = left_of(w, h, 0.5, 8);
  p.style_regions = {left, inverted(left)};
  const Outcome r = run(content, {warm, cold}, p);
  ASSERT_TRUE(r.status.ok()) << r.status.message;

  const auto warm_mean = mean_colour(warm, 0, warm.width);
  const auto cold_mean = mean_colour(cold, 0, cold.width);
  const auto left_mean = mean_colour(r.result, 0, w * 2 / 5);
  const auto right_mean = mean_colour(r.result, w * 3 / 5, w);
  EXPECT_LT(distance(left_mean, warm_mean), distance(left_mean, cold_mean));
  EXPECT_LT(distance(right_mean, cold_mean), distance(right_mean, warm_mean));
  // The two halves differ the way their styles do (red against blue), which a blend would not.
  EXPECT_GT(left_mean[0] - left_mean[2], right_mean[0] - right_mean[2] + 0.1);

  // No seam: the mean step between neighbouring columns around the middle is within twice the
  // mean step elsewhere.
  auto column_step = [&](int x) {
    double sum = 0;
    for (int y = 0; y < h; ++y)
      for (int c = 0; c < 3; ++c)
        sum += std::abs(r.result.rgb[(static_cast<std::size_t>(y) * w + x + 1) * 3 + c] -
                        r.result.rgb[(static_cast<std::size_t>(y) * w + x) * 3 + c]);
    return sum / (3.0 * h);
  };
  double elsewhere = 0;
  int counted = 0;
  for (int x = 0; x + 1 < w; ++x)
    if (std::abs(x - w / 2) > 6) {
      elsewhere += column_step(x);
      ++counted;
    }
  elsewhere /= counted;
  for (int x = w / 2 - 2; x <= w / 2 + 1; ++x)
    EXPECT_LT(column_step(x), 2.0 * elsewhere) << "column " << x;
}

// A style image of two halves, warm on the left and cold on the right: with a source mask on its
// left half the result takes the warm palette, on its right half the cold one (real ImageNet
// layers). A mask of the whole image is the plain style.
TEST(StyleSourceMasks, TheMaskedPartOfTheStyleImageGivesTheStyle) {
  const std::string weights = test_models::bundled();
  if (weights.empty()) GTEST_SKIP() << "NEURAL_STYLE_BUNDLED_MODEL not set";
  const ns::Image warm = waves(48, 48), cold = cold_waves(48, 48);
  ns::Image halves = ns::Image::zeros(96, 48);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 96; ++x)
      for (int c = 0; c < 3; ++c)
        halves.rgb[(static_cast<std::size_t>(y) * 96 + x) * 3 + c] =
            (x < 48 ? warm : cold).rgb[(static_cast<std::size_t>(y) * 48 + x % 48) * 3 + c];
  const ns::Image content = test_images::content(48, 48);
  ns::Params p = ns::default_params();
  p.weights_file = weights;
  p.max_size = 0;
  p.scales = 1;
  p.iterations = 60;
  const ns::Mask left = left_of(96, 48, 0.5, 2);
  p.style_source_masks = {left};
  const Outcome from_left = run(content, {halves}, p);
  ASSERT_TRUE(from_left.status.ok()) << from_left.status.message;
  p.style_source_masks = {inverted(left)};
  const Outcome from_right = run(content, {halves}, p);
  ASSERT_TRUE(from_right.status.ok()) << from_right.status.message;
  const auto l = mean_colour(from_left.result, 0, 48), r = mean_colour(from_right.result, 0, 48);
  EXPECT_GT(l[0] - l[2], r[0] - r[2] + 0.1) << "red-blue " << l[0] - l[2] << " vs " << r[0] - r[2];

  // The whole image as the mask: the plain run, up to rounding.
  ns::Params q = p;
  q.iterations = 4;
  q.style_source_masks = {};
  const Outcome plain = run(content, {halves}, q);
  ns::Mask all = left;
  std::fill(all.values.begin(), all.values.end(), 1.0f);
  q.style_source_masks = {all};
  const Outcome whole = run(content, {halves}, q);
  ASSERT_TRUE(plain.status.ok() && whole.status.ok());
  EXPECT_NEAR(whole.steps.back().total_loss, plain.steps.back().total_loss,
              1e-4 * plain.steps.back().total_loss);

  // A mask of another shape, or one that selects nothing, is refused by name.
  q.style_source_masks = {left_of(48, 48, 0.5, 2)};
  ns::Status s = ns::validate(q, content, {halves});
  EXPECT_NE(s.message.find("source mask of style 1"), std::string::npos) << s.message;
  std::fill(all.values.begin(), all.values.end(), 0.0f);
  q.style_source_masks = {all};
  s = ns::validate(q, content, {halves});
  EXPECT_NE(s.message.find("selects nothing"), std::string::npos) << s.message;
}
