// Defaults, validation and the size arithmetic: the torch-free part of the core.
#include <gtest/gtest.h>

#include <cmath>

#include "geometry.h"
#include "neural_style/neural_style.h"
#include "neural_style/vocabulary.h"

namespace ns = neural_style;

namespace {
ns::Image gray(int w, int h) {
  ns::Image img = ns::Image::zeros(w, h);
  std::fill(img.rgb.begin(), img.rgb.end(), 0.5f);
  return img;
}
}  // namespace

TEST(Params, DefaultsAreValid) {
  const ns::Params p = ns::default_params();
  EXPECT_TRUE(ns::validate(p, gray(64, 48), gray(40, 40)).ok());
  EXPECT_EQ(p.content_layer, "relu4_2");
  ASSERT_EQ(p.style_layers.size(), 5u);
  for (const auto& lw : p.style_layers) EXPECT_DOUBLE_EQ(lw.weight, 0.2);
}

TEST(Params, ParsesLayerWeights) {
  std::vector<ns::LayerWeight> layers;
  std::string error;
  ASSERT_TRUE(ns::parse_layer_weights("relu1_1:0.5, relu3_1", &layers, &error)) << error;
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].layer, "relu1_1");
  EXPECT_DOUBLE_EQ(layers[0].weight, 0.5);
  EXPECT_EQ(layers[1].layer, "relu3_1");
  EXPECT_DOUBLE_EQ(layers[1].weight, 1.0);
}

TEST(Params, RejectsBadLayerLists) {
  std::vector<ns::LayerWeight> layers;
  std::string error;
  EXPECT_FALSE(ns::parse_layer_weights("relu9_1", &layers, &error));
  EXPECT_NE(error.find("relu9_1"), std::string::npos);
  EXPECT_FALSE(ns::parse_layer_weights("relu1_1:abc", &layers, &error));
  EXPECT_FALSE(ns::parse_layer_weights("relu1_1:-1", &layers, &error));
  EXPECT_FALSE(ns::parse_layer_weights("relu1_1,,relu2_1", &layers, &error));
  EXPECT_FALSE(ns::parse_layer_weights("relu1_1,relu1_1", &layers, &error));
  EXPECT_FALSE(ns::parse_layer_weights("", &layers, &error));
}

TEST(Params, ValidationNamesTheProblem) {
  ns::Params p = ns::default_params();
  p.iterations = 0;
  auto s = ns::validate(p, gray(64, 64), gray(64, 64));
  EXPECT_EQ(s.code, ns::Status::Code::InvalidArgument);
  EXPECT_NE(s.message.find("iterations"), std::string::npos);

  p = ns::default_params();
  p.content_layer = "conv1_1";
  EXPECT_NE(ns::validate(p, gray(64, 64), gray(64, 64)).message.find("conv1_1"), std::string::npos);

  p = ns::default_params();
  p.style_weight = std::nan("");
  EXPECT_FALSE(ns::validate(p, gray(64, 64), gray(64, 64)).ok());

  p = ns::default_params();
  EXPECT_NE(ns::validate(p, gray(8, 64), gray(64, 64)).message.find("at least"), std::string::npos);
  ns::Image broken = gray(20, 20);
  broken.rgb.resize(10);
  EXPECT_FALSE(ns::validate(p, broken, gray(64, 64)).ok());
}

TEST(Geometry, FitsLongestSideKeepingAspect) {
  EXPECT_EQ(ns::fit_longest_side({1000, 500}, 400), (ns::Size{400, 200}));
  EXPECT_EQ(ns::fit_longest_side({300, 600}, 400), (ns::Size{200, 400}));
  EXPECT_EQ(ns::fit_longest_side({300, 200}, 400), (ns::Size{300, 200}));  // never enlarges
  EXPECT_EQ(ns::fit_longest_side({300, 200}, 0), (ns::Size{300, 200}));
  EXPECT_EQ(ns::with_longest_side({100, 50}, 400), (ns::Size{400, 200}));  // this one does
}

TEST(Geometry, PyramidIsCoarseToFineAndEndsAtFullSize) {
  auto levels = ns::pyramid({512, 256}, 3);
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels.back(), (ns::Size{512, 256}));
  EXPECT_EQ(levels[0], (ns::Size{256, 128}));
  EXPECT_EQ(levels[1], (ns::Size{362, 181}));
  // Levels below the minimum side are dropped rather than processed at a useless size.
  EXPECT_EQ(ns::pyramid({80, 80}, 4).size(), 1u);
  EXPECT_EQ(ns::pyramid({80, 80}, 1).size(), 1u);
}

TEST(Geometry, TapTableFollowsTorchvision) {
  const auto& convs = ns::vgg19_convs();
  ASSERT_EQ(convs.size(), 16u);
  const int expected[] = {0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34};
  for (std::size_t i = 0; i < convs.size(); ++i) {
    EXPECT_EQ(convs[i].feature_index, expected[i]);
    EXPECT_EQ(convs[i].tap, ns::layer_names()[i]);
  }
  EXPECT_EQ(ns::deepest_tap(ns::default_params()), ns::tap_index("relu5_1"));
}

TEST(Geometry, ConvLevelsHalveAtEachPoolAndStopAtTheDeepestTap) {
  // Odd sides: each pool rounds down, as torch's max_pool2d does.
  const auto levels = ns::conv_levels({101, 40}, ns::tap_index("relu4_1"));
  ASSERT_EQ(levels.size(), 9u);
  EXPECT_EQ(levels[0].size, (ns::Size{101, 40}));  // relu1_1: no pool yet
  EXPECT_EQ(levels[1].size, (ns::Size{101, 40}));
  EXPECT_EQ(levels[2].size, (ns::Size{50, 20}));  // relu2_1
  EXPECT_EQ(levels[4].size, (ns::Size{25, 10}));  // relu3_1
  EXPECT_EQ(levels[8].size, (ns::Size{12, 5}));   // relu4_1
  for (std::size_t i = 0; i < levels.size(); ++i) {
    EXPECT_EQ(levels[i].index, static_cast<int>(i));
    EXPECT_EQ(levels[i].conv, &ns::vgg19_convs()[i]);
  }
  // A side never drops below 1 px, and the walk never runs past the table.
  const auto all = ns::conv_levels({3, 3}, 99);
  ASSERT_EQ(all.size(), ns::vgg19_convs().size());
  EXPECT_EQ(all.back().size, (ns::Size{1, 1}));
  EXPECT_TRUE(ns::conv_levels({64, 64}, -1).empty());
}

TEST(Estimate, MatchesTheFlopCountAndGrowsWithSize) {
  ns::Params p = ns::default_params();
  p.max_size = 0;
  p.scales = 1;
  // VGG-19 to relu5_1 at 512x512: about 190 GFLOP forward, as much again backward.
  const auto e512 = ns::estimate(512, 512, p);
  EXPECT_NEAR(e512.gflop_per_iteration, 380, 15);
  const auto e1024 = ns::estimate(1024, 1024, p);
  EXPECT_NEAR(e1024.gflop_per_iteration / e512.gflop_per_iteration, 4.0, 0.1);
  EXPECT_GT(e1024.peak_bytes, e512.peak_bytes);
  EXPECT_GT(e1024.seconds, e512.seconds);
  p.max_size = 256;
  const auto capped = ns::estimate(1024, 1024, p);
  EXPECT_EQ(capped.processed_width, 256);
  EXPECT_LT(capped.seconds, e512.seconds);
}

TEST(Estimate, TinyImagesStillCostTimePerStep) {
  ns::Params p = ns::default_params();
  p.iterations = 2000;
  p.scales = 1;
  p.random_width_divisor = 8;
  // Dispatch and optimiser overhead do not shrink with the image: 2000 steps are minutes.
  EXPECT_GT(ns::estimate(64, 64, p).seconds, 30.0);
}

// The shared vocabulary (vocabulary.h): one parser and one name table for every front end.

TEST(Vocabulary, ParsesStyleBlends) {
  std::vector<double> w = {9};
  std::string error;
  ASSERT_TRUE(ns::parse_style_blend("0.25,0.75", &w, &error)) << error;
  EXPECT_EQ(w, (std::vector<double>{0.25, 0.75}));
  ASSERT_TRUE(ns::parse_style_blend(" 3 , 1e0,+2,0 ", &w, &error)) << error;
  EXPECT_EQ(w, (std::vector<double>{3, 1, 2, 0}));
  ASSERT_TRUE(ns::parse_style_blend(" \t", &w, &error)) << error;
  EXPECT_TRUE(w.empty());  // equal weights
  // All zero parses; style_blend_fit() and validate() refuse it for a run.
  ASSERT_TRUE(ns::parse_style_blend("0,0", &w, &error)) << error;
  EXPECT_EQ(ns::style_blend_fit(w, 2), ns::BlendFit::AllZero);
}

TEST(Vocabulary, RejectsBadStyleBlendsNamingTheEntry) {
  for (const auto& [text, entry] : std::vector<std::pair<std::string, std::string>>{
           {"1,-2", "-2"},
           {"1,,2", ""},
           {"1,", ""},
           {",1", ""},
           {"1;2", "1;2"},
           {"0,5x", "5x"},
           {"nan,1", "nan"},
           {"inf", "inf"},
           {"1e400", "1e400"},
           {"2e9", "2e9"},  // above limits().weight_max
           {"0x10", "0x10"},
           {"+-1", "+-1"},
           {"1 2", "1 2"}}) {
    std::vector<double> w = {7};
    std::string error, bad = "unset";
    EXPECT_FALSE(ns::parse_style_blend(text, &w, &error, &bad)) << text;
    EXPECT_EQ(bad, entry) << text;
    EXPECT_FALSE(error.empty()) << text;
    EXPECT_EQ(w, (std::vector<double>{7})) << text << ": output touched on failure";
  }
}

TEST(Vocabulary, StyleBlendFitsTheStyles) {
  EXPECT_EQ(ns::style_blend_fit({}, 3), ns::BlendFit::Ok);
  EXPECT_EQ(ns::style_blend_fit({1, 2}, 2), ns::BlendFit::Ok);
  EXPECT_EQ(ns::style_blend_fit({0, 2}, 2), ns::BlendFit::Ok);
  EXPECT_EQ(ns::style_blend_fit({1, 2}, 3), ns::BlendFit::WrongCount);
  EXPECT_EQ(ns::style_blend_fit({0, 0}, 2), ns::BlendFit::AllZero);
  ns::Params p = ns::default_params();
  p.style_blend = {0, 0};
  EXPECT_NE(ns::validate(p, gray(64, 64), {gray(64, 64), gray(64, 64)}).message.find("zero"),
            std::string::npos);
  p.style_blend = {1, 2, 3};
  EXPECT_NE(ns::validate(p, gray(64, 64), {gray(64, 64), gray(64, 64)}).message.find("3 weights"),
            std::string::npos);
}

TEST(Vocabulary, NumbersAreStrictAndLocaleFree) {
  double v = 0;
  EXPECT_TRUE(ns::parse_number("0.25", &v));
  EXPECT_DOUBLE_EQ(v, 0.25);
  EXPECT_TRUE(ns::parse_number("-1.5e-3", &v));
  EXPECT_DOUBLE_EQ(v, -1.5e-3);
  EXPECT_TRUE(ns::parse_number("+.5", &v));
  EXPECT_DOUBLE_EQ(v, 0.5);
  for (const char* bad : {"", " 1", "1 ", "0,25", "1.5.2", "inf", "nan", "0x1p3", "++1", "1e999"})
    EXPECT_FALSE(ns::parse_number(bad, &v)) << bad;
}

TEST(Params, LayerListsTakeTheSameNumbers) {
  std::vector<ns::LayerWeight> layers;
  std::string error;
  ASSERT_TRUE(ns::parse_layer_weights(" relu1_1 : 2.5e-1 ,relu2_1:+1", &layers, &error)) << error;
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_DOUBLE_EQ(layers[0].weight, 0.25);
  EXPECT_DOUBLE_EQ(layers[1].weight, 1.0);
  EXPECT_FALSE(ns::parse_layer_weights("relu1_1:0,5", &layers, &error));
  EXPECT_FALSE(ns::parse_layer_weights("relu1_1,", &layers, &error));
  EXPECT_FALSE(ns::parse_layer_weights(" ", &layers, &error));
}

TEST(Vocabulary, NamesRoundTripAndKeepTheirOrder) {
  // The order is the GIMP plug-ins' PDB choice values: only ever appended to.
  EXPECT_EQ(ns::canonical_names(ns::optimizer_names()),
            (std::vector<std::string>{"adam", "lbfgs"}));
  EXPECT_EQ(ns::canonical_names(ns::init_names()), (std::vector<std::string>{"content", "noise"}));
  EXPECT_EQ(ns::canonical_names(ns::device_names()),
            (std::vector<std::string>{"auto", "cpu", "gpu"}));
  EXPECT_EQ(ns::accepted_names(ns::device_names()),
            (std::vector<std::string>{"auto", "cpu", "gpu", "cuda"}));
  EXPECT_EQ(ns::canonical_names(ns::color_mode_names()),
            (std::vector<std::string>{"none", "luminance", "transfer"}));
  EXPECT_EQ(ns::canonical_names(ns::layer_set_names()),
            (std::vector<std::string>{"auto", "deep", "shallow"}));
  EXPECT_EQ(ns::canonical_names(ns::precision_names()),
            (std::vector<std::string>{"fp32", "bf16", "tf32"}));
  EXPECT_EQ(ns::canonical_names(ns::input_convention_names()),
            (std::vector<std::string>{"auto", "torchvision", "caffe"}));

  ns::Device device = ns::Device::Auto;
  ASSERT_TRUE(ns::value_from_name(ns::device_names(), "cuda", &device));
  EXPECT_EQ(device, ns::Device::CUDA);
  EXPECT_STREQ(ns::name_of(ns::device_names(), device), "gpu");
  EXPECT_EQ(ns::index_of(ns::device_names(), ns::Device::CUDA), 2);
  EXPECT_FALSE(ns::value_from_name(ns::device_names(), "tpu", &device));
  EXPECT_EQ(ns::index_of(ns::init_names(), ns::InitMode::Image), -1);

  ns::LayerSet set = ns::LayerSet::Custom;
  ASSERT_TRUE(ns::layer_set_from_name("shallow", &set));
  EXPECT_EQ(set, ns::LayerSet::Shallow);
  EXPECT_FALSE(ns::layer_set_from_name("custom", &set));

  std::vector<std::string> presets;
  for (const ns::Preset& p : ns::presets()) presets.push_back(p.name);
  EXPECT_EQ(ns::preset_names(), presets);
  for (const std::string& name : presets) EXPECT_TRUE(ns::is_preset_name(name)) << name;
  EXPECT_FALSE(ns::is_preset_name("custom"));
  EXPECT_EQ(ns::name_list({"a", "b", "c"}), "a, b or c");
}

TEST(Params, ValidationMessagesReadTheLimits) {
  const ns::Limits lim = ns::limits();
  ns::Params p = ns::default_params();
  p.max_size = lim.max_size_max + 1;
  EXPECT_FALSE(ns::max_size_ok(p.max_size));
  EXPECT_TRUE(ns::max_size_ok(0));
  EXPECT_FALSE(ns::max_size_ok(lim.max_size_min - 1));
  const std::string message = ns::validate(p, gray(64, 64), gray(64, 64)).message;
  EXPECT_NE(message.find(std::to_string(lim.max_size_min)), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(lim.max_size_max)), std::string::npos) << message;
  p = ns::default_params();
  p.learning_rate = lim.learning_rate_max * 2;
  EXPECT_NE(ns::validate(p, gray(64, 64), gray(64, 64)).message.find("and 10"), std::string::npos);
  p = ns::default_params();
  p.threads = -1;
  EXPECT_NE(
      ns::validate(p, gray(64, 64), gray(64, 64)).message.find(std::to_string(lim.threads_max)),
      std::string::npos);
}
