// Unit tests of plugin/common's pure parts: the parameter table, saved values, colour keeping,
// pixel packing and texts. They run without GIMP.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <string>

#include "common/color.h"
#include "common/messages.h"
#include "common/parameters.h"
#include "common/pixels.h"

namespace np = neural_style::plugin;
namespace ns = neural_style;

TEST(ParameterTable, RowsAreInPdbOrderWithUniqueNames) {
  const auto& table = np::parameter_table();
  ASSERT_EQ(table.size(), static_cast<std::size_t>(np::kParamCount));
  const char* expected[] = {"style-file",      "content-weight", "style-weight", "tv-weight",
                            "iterations",      "max-size",       "optimizer",    "init",
                            "preserve-colors", "seed",           "device",       "weights-file"};
  std::set<std::string> names;
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(table[i].id, static_cast<np::ParamId>(i));
    EXPECT_STREQ(table[i].name, expected[i]);
    EXPECT_NE(std::string(table[i].tooltip), "") << table[i].name;
    EXPECT_NE(std::string(table[i].label), "") << table[i].name;
    names.insert(table[i].name);
  }
  EXPECT_EQ(names.size(), table.size());
}

TEST(ParameterTable, DefaultsComeFromTheEngineAndLieInRange) {
  const ns::Params p = ns::default_params();
  const np::Values v = np::default_values();
  EXPECT_DOUBLE_EQ(v.content_weight, p.content_weight);
  EXPECT_DOUBLE_EQ(v.style_weight, p.style_weight);
  EXPECT_DOUBLE_EQ(v.tv_weight, p.tv_weight);
  EXPECT_EQ(v.iterations, p.iterations);
  EXPECT_EQ(v.max_size, p.max_size);
  EXPECT_EQ(np::check_ranges(v), "");
  for (const np::ParamSpec& s : np::parameter_table()) {
    if (s.type == np::ParamType::String) continue;
    EXPECT_LE(s.min, s.default_number) << s.name;
    EXPECT_GE(s.max, s.default_number) << s.name;
    if (s.type == np::ParamType::Choice) {
      EXPECT_EQ(s.choices.size(), static_cast<std::size_t>(s.max - s.min + 1)) << s.name;
    }
  }
}

TEST(ParameterTable, RangeErrorsNameTheArgument) {
  np::Values v = np::default_values();
  v.iterations = 0;
  EXPECT_NE(np::check_ranges(v).find("iterations"), std::string::npos);
  v = np::default_values();
  v.max_size = 3;  // 0 means "layer size"; 1 .. 15 are too small for the network
  EXPECT_NE(np::check_ranges(v), "");
  v.max_size = 0;
  EXPECT_EQ(np::check_ranges(v), "");
  v.device = 7;
  EXPECT_EQ(np::clamped(v).device, np::kDeviceGpu);
}

TEST(EngineParams, MapsEveryValue) {
  unsetenv("NEURAL_STYLE_TEST_WIDTH_DIVISOR");
  np::Values v = np::default_values();
  v.content_weight = 2.5;
  v.style_weight = 300;
  v.tv_weight = 0.25;
  v.iterations = 7;
  v.max_size = 64;
  v.optimizer = np::kOptimizerLbfgs;
  v.init = np::kInitNoise;
  v.seed = 99;
  v.device = np::kDeviceCpu;
  v.weights_file = "/models/vgg19.safetensors";
  const ns::Params p = np::to_engine_params(v);
  EXPECT_DOUBLE_EQ(p.content_weight, 2.5);
  EXPECT_DOUBLE_EQ(p.style_weight, 300);
  EXPECT_DOUBLE_EQ(p.tv_weight, 0.25);
  EXPECT_EQ(p.iterations, 7);
  EXPECT_EQ(p.max_size, 64);
  EXPECT_EQ(p.optimizer, ns::Optimizer::LBFGS);
  EXPECT_EQ(p.init, ns::InitMode::Noise);
  EXPECT_EQ(p.seed, 99u);
  EXPECT_EQ(p.device, ns::Device::CPU);
  EXPECT_EQ(p.weights_file, "/models/vgg19.safetensors");
  EXPECT_EQ(p.random_width_divisor, 1);
  setenv("NEURAL_STYLE_TEST_WIDTH_DIVISOR", "8", 1);
  EXPECT_EQ(np::to_engine_params(v).random_width_divisor, 8);
  unsetenv("NEURAL_STYLE_TEST_WIDTH_DIVISOR");
}

TEST(SavedValues, RoundTripIncludingAwkwardStrings) {
  np::Values v = np::default_values();
  v.style_file = "/tmp/a \"quoted\"\nname\\x.png";
  v.style_weight = 12345.678;
  v.tv_weight = 1e-7;
  v.preserve_colors = true;
  v.seed = 2147483647;
  const np::Values back = np::parse_values(np::serialize_values(v), np::Values{});
  EXPECT_EQ(back.style_file, v.style_file);
  EXPECT_DOUBLE_EQ(back.style_weight, v.style_weight);
  EXPECT_DOUBLE_EQ(back.tv_weight, v.tv_weight);
  EXPECT_TRUE(back.preserve_colors);
  EXPECT_EQ(back.seed, 2147483647);
  EXPECT_EQ(back.iterations, v.iterations);
}

TEST(SavedValues, OtherVersionsAndGarbageFallBack) {
  np::Values fallback = np::default_values();
  fallback.iterations = 42;
  EXPECT_EQ(np::parse_values("neural-style-values 999\niterations=5\n", fallback).iterations, 42);
  EXPECT_EQ(np::parse_values("", fallback).iterations, 42);
  // Unknown names are ignored, missing ones keep the fallback, out-of-range ones are clamped.
  const np::Values v =
      np::parse_values("neural-style-values 1\nfuture-knob=3\niterations=-4\nseed=17\n", fallback);
  EXPECT_EQ(v.iterations, 1);
  EXPECT_EQ(v.seed, 17);
  EXPECT_EQ(v.max_size, fallback.max_size);
}

namespace {
ns::Image solid(int w, int h, float r, float g, float b) {
  ns::Image im;
  im.width = w;
  im.height = h;
  im.rgb.resize(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t i = 0; i < im.rgb.size(); i += 3) {
    im.rgb[i] = r;
    im.rgb[i + 1] = g;
    im.rgb[i + 2] = b;
  }
  return im;
}
}  // namespace

TEST(PreserveColors, GraySourceGivesGrayResultWithStyledLuminance) {
  const ns::Image source = solid(2, 2, 0.5f, 0.5f, 0.5f);
  ns::Image styled = solid(2, 2, 0.9f, 0.2f, 0.1f);
  const float before_luma = 0.2126f * std::pow(0.9f, 2.2f) + 0.7152f * std::pow(0.2f, 2.2f) +
                            0.0722f * std::pow(0.1f, 2.2f);
  np::preserve_colors(source, &styled);
  EXPECT_NEAR(styled.rgb[0], styled.rgb[1], 1e-5);
  EXPECT_NEAR(styled.rgb[1], styled.rgb[2], 1e-5);
  // The luminance of the styled pixel survives (gamma 2.2 stands in for the sRGB curve).
  EXPECT_NEAR(std::pow(styled.rgb[0], 2.2f), before_luma, 0.01);
}

TEST(PreserveColors, SameImageIsUnchanged) {
  const ns::Image source = solid(1, 1, 0.8f, 0.3f, 0.6f);
  ns::Image styled = source;
  np::preserve_colors(source, &styled);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(styled.rgb[c], source.rgb[c], 1e-4);
}

TEST(Pixels, AlphaIsKeptAndColoursClamped) {
  np::RgbaImage src;
  src.width = 2;
  src.height = 1;
  src.rgba = {0.1f, 0.2f, 0.3f, 0.0f, 0.4f, 0.5f, 0.6f, 0.75f};
  const ns::Image rgb = np::rgb_of(src);
  ASSERT_EQ(rgb.rgb.size(), 6u);
  EXPECT_FLOAT_EQ(rgb.rgb[3], 0.4f);
  ns::Image styled = rgb;
  styled.rgb[0] = 1.7f;
  styled.rgb[1] = -0.2f;
  const np::RgbaImage out = np::with_alpha_of(styled, src);
  EXPECT_FLOAT_EQ(out.rgba[0], 1.0f);
  EXPECT_FLOAT_EQ(out.rgba[1], 0.0f);
  EXPECT_FLOAT_EQ(out.rgba[3], 0.0f);
  EXPECT_FLOAT_EQ(out.rgba[7], 0.75f);
  EXPECT_EQ(np::with_alpha_of(ns::Image::zeros(3, 1), src).pixel_count(), 0u);
}

TEST(Texts, ProgressCarriesIterationsAndEstimate) {
  ns::Progress p;
  p.done_steps = 10;
  p.total_steps = 40;
  p.elapsed_seconds = 5;
  EXPECT_EQ(np::progress_text(p), "Neural style: iteration 10/40, about 15 s left");
  EXPECT_DOUBLE_EQ(np::progress_fraction(p), 0.25);
  p.done_steps = 0;
  EXPECT_EQ(np::progress_text(p), "Neural style: iteration 0/40");
  EXPECT_EQ(np::format_seconds(0.2), "under 1 s");
  EXPECT_EQ(np::format_seconds(250), "4 min");
  EXPECT_EQ(np::format_seconds(7800), "2 h 10 min");
  EXPECT_EQ(np::result_layer_name("Background"), "Background (neural style)");
}

TEST(Texts, OutOfMemorySuggestsWhatToTry) {
  const std::string m =
      np::error_message(ns::Status::error(ns::Status::Code::OutOfMemory, "CUDA out of memory"));
  EXPECT_NE(m.find("Max size"), std::string::npos);
  EXPECT_NE(m.find("CPU"), std::string::npos);
  EXPECT_NE(m.find("CUDA out of memory"), std::string::npos);
}
