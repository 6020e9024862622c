// Unit tests of plugin/common's pure parts: the parameter table, saved values, colour keeping,
// pixel packing and texts. They run without GIMP.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/messages.h"
#include "common/parameters.h"
#include "common/pixels.h"
#include "common/runner.h"
#include "neural_style/vocabulary.h"

namespace np = neural_style::plugin;
namespace ns = neural_style;

TEST(ParameterTable, RowsAreInPdbOrderWithUniqueNames) {
  const auto& table = np::parameter_table();
  ASSERT_EQ(table.size(), static_cast<std::size_t>(np::kParamCount));
  // The PDB order is public (Script-Fu passes arguments by position): new rows only at the end.
  const char* expected[] = {"style-file",       "content-weight",
                            "style-weight",     "tv-weight",
                            "iterations",       "max-size",
                            "optimizer",        "init",
                            "preserve-colors",  "seed",
                            "device",           "weights-file",
                            "style-file-2",     "style-file-3",
                            "style-file-4",     "style-blend",
                            "style-scale",      "color-mode",
                            "preset",           "content-layer",
                            "style-layers",     "scales",
                            "learning-rate",    "raw-weights",
                            "style-drawable",   "style-drawable-2",
                            "style-drawable-3", "style-drawable-4",
                            "style-region",     "style-region-2",
                            "style-region-3",   "style-region-4"};
  ASSERT_EQ(std::size(expected), table.size());
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
    if (np::is_text(s.type)) continue;
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

TEST(EngineParams, MapsTheStyleControls) {
  np::Values v = np::default_values();
  v.style_file = "/a.png";
  v.style_file_3 = "/c.png";  // slot 2 empty: the used slots count, in order
  v.style_blend = " 3, 1 ";
  v.style_scale = 1.5;
  v.scales = 3;
  v.learning_rate = 0.05;
  v.raw_weights = true;
  EXPECT_EQ(np::style_files(v), (std::vector<std::string>{"/a.png", "/c.png"}));
  EXPECT_EQ(np::check_ranges(v), "");
  const ns::Params p = np::to_engine_params(v);
  EXPECT_EQ(p.style_blend, (std::vector<double>{3, 1}));
  EXPECT_DOUBLE_EQ(p.style_scale, 1.5);
  EXPECT_EQ(p.scales, 3);
  EXPECT_DOUBLE_EQ(p.learning_rate, 0.05);
  EXPECT_FALSE(p.normalize_weights);
  EXPECT_EQ(p.layer_set, ns::LayerSet::Auto);
  // As the engine's defaults: the automatic set starts from the deep set's layers, which the
  // dialogs' estimate needs.
  EXPECT_EQ(p.content_layer, ns::default_params().content_layer);
  EXPECT_EQ(p.style_layers.size(), ns::default_params().style_layers.size());
  EXPECT_GT(ns::estimate(640, 480, p).seconds, 0);
}

TEST(EngineParams, StyleLayersFillSlotsAndWinOverFiles) {
  np::Values v = np::default_values();
  for (int slot = 0; slot < np::kStyleSlots; ++slot) {
    EXPECT_EQ(v.style_drawables[slot], np::kNoItem);
    EXPECT_EQ(v.style_regions[slot], np::kNoItem);
  }
  v.style_drawables[0] = 7;  // a layer alone is a style
  v.style_file_2 = "/b.png";
  v.style_drawables[2] = 9;
  v.style_file_3 = "/c.png";  // a slot with both uses the layer
  v.style_regions[3] = 12;    // a region on an unused slot is ignored
  EXPECT_EQ(np::style_slots(v), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(np::style_files(v), (std::vector<std::string>{"/b.png"}));
  v.style_blend = "1,2";  // three styles: one weight per used slot
  EXPECT_NE(np::check_ranges(v), "");
  v.style_blend = "1,2,3";
  EXPECT_EQ(np::check_ranges(v), "");
  const std::array<double, np::kStyleSlots> blend = np::blend_per_slot(v);
  EXPECT_EQ(blend, (std::array<double, np::kStyleSlots>{1, 2, 3, 1}));
  v.style_regions[0] = 3;
  const np::Values lasting = np::without_items(v);
  EXPECT_EQ(lasting.style_drawables[0], np::kNoItem);
  EXPECT_EQ(lasting.style_regions[0], np::kNoItem);
  EXPECT_EQ(lasting.style_file_3, "/c.png");
  // Within a session the IDs travel with the other last values.
  const np::Values back = np::parse_values(np::serialize_values(v), np::default_values());
  EXPECT_EQ(back.style_drawables, v.style_drawables);
  EXPECT_EQ(back.style_regions, v.style_regions);
}

TEST(EngineParams, StyleBlendMustFitTheStyleImages) {
  np::Values v = np::default_values();
  v.style_file = "/a.png";
  v.style_file_2 = "/b.png";
  v.style_blend = "1,2,3";
  EXPECT_NE(np::check_ranges(v).find("style-blend"), std::string::npos);
  v.style_blend = "0,0";
  EXPECT_NE(np::check_ranges(v).find("style-blend"), std::string::npos);
  for (const char* bad : {"1,x", "1,", "-1,2", ",", "1;2"}) {
    v.style_blend = bad;
    EXPECT_NE(np::check_ranges(v).find("style-blend"), std::string::npos) << bad;
  }
  v.style_blend = "";
  EXPECT_EQ(np::check_ranges(v), "");
  EXPECT_TRUE(np::to_engine_params(v).style_blend.empty());  // equal weights
  EXPECT_EQ(np::format_blend({2, 2}), "");
  EXPECT_EQ(np::format_blend({0.25, 1}), "0.25,1");
  std::vector<double> back;
  std::string error;
  ASSERT_TRUE(np::parse_blend(np::format_blend({0.25, 1}), &back, &error)) << error;
  EXPECT_EQ(back, (std::vector<double>{0.25, 1}));
}

TEST(EngineParams, DialogBlendFieldsFollowTheFilledSlots) {
  np::Values v = np::default_values();
  v.style_file = "a.png";
  np::set_string(&v, np::kStyleFile3, "c.png");
  v.style_blend = "0.25,0.75";
  EXPECT_EQ(np::blend_per_slot(v), (std::array<double, np::kStyleSlots>{0.25, 1.0, 0.75, 1.0}));
  v.style_blend = "1,2,3";  // does not fit the two files: the fields start from 1
  EXPECT_EQ(np::blend_per_slot(v), (std::array<double, np::kStyleSlots>{1.0, 1.0, 1.0, 1.0}));
}

TEST(EngineParams, ColourModeAndTheOlderPreserveSwitch) {
  np::Values v = np::default_values();
  EXPECT_EQ(np::to_engine_params(v).color_preservation, ns::ColorPreservation::None);
  v.preserve_colors = true;  // an old script's way of asking
  EXPECT_EQ(np::to_engine_params(v).color_preservation, ns::ColorPreservation::Luminance);
  v.color_mode = np::kColorTransfer;  // color-mode wins where the two disagree
  EXPECT_EQ(np::to_engine_params(v).color_preservation, ns::ColorPreservation::ColorTransfer);
  v.preserve_colors = false;
  v.color_mode = np::kColorLuminance;
  EXPECT_EQ(np::to_engine_params(v).color_preservation, ns::ColorPreservation::Luminance);
}

TEST(EngineParams, LayersEmptyCustomOrHalfGiven) {
  np::Values v = np::default_values();
  ns::Params deep = ns::default_params();
  ns::apply_layer_set(ns::LayerSet::Deep, &deep);
  v.content_layer = "relu3_1";
  ns::Params p = np::to_engine_params(v);
  EXPECT_EQ(p.layer_set, ns::LayerSet::Custom);
  EXPECT_EQ(p.content_layer, "relu3_1");
  ASSERT_EQ(p.style_layers.size(), deep.style_layers.size());
  v.content_layer = "";
  v.style_layers = "relu1_1:0.5,relu2_1";
  p = np::to_engine_params(v);
  EXPECT_EQ(p.content_layer, deep.content_layer);
  ASSERT_EQ(p.style_layers.size(), 2u);
  EXPECT_EQ(p.style_layers[0].layer, "relu1_1");
  EXPECT_DOUBLE_EQ(p.style_layers[0].weight, 0.5);
  EXPECT_DOUBLE_EQ(p.style_layers[1].weight, 1.0);
  v.style_layers = "relu9_9:1";
  EXPECT_NE(np::check_ranges(v).find("style-layers"), std::string::npos);
  v.style_layers = "";
  v.content_layer = "conv1_1";
  EXPECT_NE(np::check_ranges(v).find("content-layer"), std::string::npos);
}

TEST(Presets, EveryEnginePresetIsAChoiceAndBack) {
  const np::ParamSpec& spec = np::param_spec(np::kPreset);
  EXPECT_STREQ(np::preset_name(np::kPresetCustom), "");
  std::set<std::string> in_table;
  for (int i = 1; i < static_cast<int>(spec.choices.size()); ++i) {
    ns::Params p = ns::default_params();
    EXPECT_TRUE(ns::apply_preset(np::preset_name(i), &p)) << np::preset_name(i);
    in_table.insert(np::preset_name(i));
  }
  for (const ns::Preset& preset : ns::presets()) EXPECT_EQ(in_table.count(preset.name), 1u);
}

TEST(Presets, ChoicesAreTheEnginesPresetsInItsOrder) {
  // The labels stay in the table as N_() literals for xgettext; they must name the engine's.
  const np::ParamSpec& spec = np::param_spec(np::kPreset);
  const auto& presets = ns::presets();
  ASSERT_EQ(spec.choices.size(), presets.size() + 1);
  for (std::size_t i = 0; i < presets.size(); ++i) {
    EXPECT_STREQ(spec.choices[i + 1], presets[i].label);
    EXPECT_STREQ(np::preset_name(static_cast<int>(i + 1)), presets[i].name);
  }
  EXPECT_STREQ(np::preset_name(static_cast<int>(presets.size() + 1)), "");
  EXPECT_STREQ(np::preset_name(np::kPresetSeedRecipe), "seed-recipe");  // a PDB value scripts use
}

// The PDB values of the Choice rows index the engine's name tables (vocabulary.h).
TEST(EngineParams, ChoicesIndexTheEnginesNames) {
  EXPECT_EQ(np::param_spec(np::kOptimizer).choices.size(),
            ns::canonical_names(ns::optimizer_names()).size());
  EXPECT_EQ(np::param_spec(np::kInit).choices.size(), ns::canonical_names(ns::init_names()).size());
  EXPECT_EQ(np::param_spec(np::kDevice).choices.size(),
            ns::canonical_names(ns::device_names()).size());
  EXPECT_EQ(np::param_spec(np::kColorMode).choices.size(),
            ns::canonical_names(ns::color_mode_names()).size());
  np::Values v = np::default_values();
  v.style_file = "/s.png";
  const std::vector<std::pair<int, ns::Device>> devices = {{np::kDeviceAuto, ns::Device::Auto},
                                                           {np::kDeviceCpu, ns::Device::CPU},
                                                           {np::kDeviceGpu, ns::Device::CUDA}};
  for (const auto& [value, device] : devices) {
    v.device = value;
    EXPECT_EQ(np::to_engine_params(v).device, device) << value;
  }
  v.optimizer = np::kOptimizerLbfgs;
  v.init = np::kInitNoise;
  v.color_mode = np::kColorTransfer;
  const ns::Params p = np::to_engine_params(v);
  EXPECT_EQ(p.optimizer, ns::Optimizer::LBFGS);
  EXPECT_EQ(p.init, ns::InitMode::Noise);
  EXPECT_EQ(p.color_preservation, ns::ColorPreservation::ColorTransfer);
  EXPECT_EQ(np::default_values().device,
            ns::index_of(ns::device_names(), ns::default_params().device));
}

TEST(Presets, APresetReplacesItsRowsAndKeepsTheOthers) {
  np::Values v = np::default_values();
  v.style_file = "/a.png";
  v.iterations = 7;  // replaced: a preset's rows take the preset's values
  v.content_layer = "relu2_1";
  v.seed = 77;  // kept: not a preset row
  v.color_mode = np::kColorLuminance;
  v.preset = np::kPresetSeedRecipe;
  ns::Params want = ns::default_params();
  ASSERT_TRUE(ns::apply_preset("seed-recipe", &want));
  const ns::Params p = np::to_engine_params(v);
  EXPECT_EQ(p.iterations, want.iterations);
  EXPECT_DOUBLE_EQ(p.content_weight, want.content_weight);
  EXPECT_DOUBLE_EQ(p.style_weight, want.style_weight);
  EXPECT_DOUBLE_EQ(p.tv_weight, want.tv_weight);
  EXPECT_DOUBLE_EQ(p.learning_rate, want.learning_rate);
  EXPECT_EQ(p.normalize_weights, want.normalize_weights);
  EXPECT_EQ(p.content_layer, want.content_layer);
  ASSERT_EQ(p.style_layers.size(), want.style_layers.size());
  for (std::size_t i = 0; i < p.style_layers.size(); ++i) {
    EXPECT_EQ(p.style_layers[i].layer, want.style_layers[i].layer);
    EXPECT_NEAR(p.style_layers[i].weight, want.style_layers[i].weight, 1e-6);
  }
  EXPECT_EQ(p.seed, 77u);
  EXPECT_EQ(p.color_preservation, ns::ColorPreservation::Luminance);

  // The dialogs show with_preset()'s rows; they match the preset until one is edited.
  np::Values shown = np::with_preset(v, np::kPresetFastPreview);
  EXPECT_TRUE(np::matches_preset(shown, np::kPresetFastPreview));
  EXPECT_FALSE(np::matches_preset(shown, np::kPresetHighQuality));
  EXPECT_EQ(np::check_ranges(shown), "");
  shown.iterations += 1;
  EXPECT_FALSE(np::matches_preset(shown, np::kPresetFastPreview));
  EXPECT_FALSE(np::matches_preset(v, np::kPresetCustom));
  // A dialog opened on Custom values that equal a preset shows that preset; edited ones, Custom.
  np::Values defaults = np::default_values();
  defaults.preset = np::kPresetCustom;
  EXPECT_EQ(np::shown_preset(defaults), np::kPresetBalanced);
  EXPECT_EQ(np::shown_preset(np::with_preset(defaults, np::kPresetSeedRecipe)),
            np::kPresetSeedRecipe);
  EXPECT_EQ(np::shown_preset(shown), np::kPresetCustom);
  shown.preset = np::kPresetHighQuality;  // chosen, then values edited away from it
  EXPECT_EQ(np::shown_preset(shown), np::kPresetCustom);
  // Custom runs the rows as given.
  v.preset = np::kPresetCustom;
  EXPECT_EQ(np::to_engine_params(v).iterations, 7);
}

TEST(Presets, EachPresetsValuesPassTheRangeChecks) {
  for (int i = np::kPresetFastPreview; i <= np::kPresetSeedRecipe; ++i) {
    np::Values v = np::with_preset(np::default_values(), i);
    v.preset = i;
    EXPECT_EQ(np::check_ranges(v), "") << np::preset_name(i);
    EXPECT_EQ(np::clamped(v).iterations, v.iterations) << np::preset_name(i);
    ns::Params p = np::to_engine_params(v);
    const ns::Status st =
        ns::validate(p, ns::Image::zeros(64, 64), std::vector<ns::Image>{ns::Image::zeros(64, 64)});
    EXPECT_TRUE(st.ok()) << np::preset_name(i) << ": " << st.message;
  }
}

TEST(SavedValues, RoundTripIncludingAwkwardStrings) {
  np::Values v = np::default_values();
  v.style_file = "/tmp/a \"quoted\"\nname\\x.png";
  v.style_weight = 12345.678;
  v.tv_weight = 1e-7;
  v.preserve_colors = true;
  v.seed = 2147483647;
  v.style_file_4 = "/tmp/d,e.png";
  v.style_blend = "1,2";
  v.style_layers = "relu1_1:0.5,relu2_1:0.5";
  v.color_mode = np::kColorTransfer;
  v.preset = np::kPresetHighQuality;
  v.raw_weights = true;
  const np::Values back = np::parse_values(np::serialize_values(v), np::Values{});
  EXPECT_EQ(back.style_file, v.style_file);
  EXPECT_EQ(back.style_file_4, v.style_file_4);
  EXPECT_EQ(back.style_blend, v.style_blend);
  EXPECT_EQ(back.style_layers, v.style_layers);
  EXPECT_EQ(back.color_mode, np::kColorTransfer);
  EXPECT_EQ(back.preset, np::kPresetHighQuality);
  EXPECT_TRUE(back.raw_weights);
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
  // Values saved before the style controls existed keep their meaning; the new rows their
  // defaults.
  const np::Values old = np::parse_values(
      "neural-style-values 1\nstyle-file=/s.png\npreserve-colors=1\n", np::default_values());
  EXPECT_TRUE(old.preserve_colors);
  EXPECT_EQ(old.color_mode, np::kColorNone);
  EXPECT_EQ(old.preset, np::kPresetCustom);
  EXPECT_EQ(np::to_engine_params(old).color_preservation, ns::ColorPreservation::Luminance);
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
  // Refining a big layer in tiles: the text names the tile.
  p.tile = 3;
  p.tiles = 9;
  EXPECT_EQ(np::progress_text(p), "Neural style: tile 3 of 9, iteration 0/40");
  p.done_steps = 30;
  p.elapsed_seconds = 60;
  EXPECT_EQ(np::progress_text(p), "Neural style: tile 3 of 9, iteration 30/40, about 20 s left");
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

// run_job() with an engine double: a run of 30 steps, 20 ms each, whose snapshots are images
// as wide as the step number, so the test sees which steps the previews came from.
namespace {
int g_snapshots_taken = 0;
std::size_t g_styles_seen = 0;

int g_creates = 0;
int g_destroys = 0;
char g_engine_token;  // the double's engine: an address that is never dereferenced

ns::Status fake_create(const ns::EngineConfig&, ns::Engine** engine) {
  ++g_creates;
  *engine = reinterpret_cast<ns::Engine*>(&g_engine_token);
  return ns::Status::success();
}

void fake_destroy(ns::Engine*) {
  ++g_destroys;
}

ns::Status fake_run(ns::Engine*, const ns::Image&, const std::vector<ns::Image>& styles,
                    const ns::Params&, const ns::Callbacks& callbacks, ns::Image* result,
                    ns::RunInfo*) {
  g_styles_seen = styles.size();
  for (int i = 0; i <= 30; ++i) {
    ns::Progress p;
    p.iteration = p.done_steps = i;
    p.iterations = p.total_steps = 30;
    p.snapshot = [i] {
      ++g_snapshots_taken;
      return solid(i + 1, 1, 0.5f, 0.5f, 0.5f);
    };
    callbacks.on_progress(p);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *result = solid(4, 4, 0, 0, 0);
  return ns::Status::success();
}

ns::EngineApi fake_api() {
  ns::EngineApi api{};
  api.abi_version = ns::kEngineAbiVersion;
  api.create = fake_create;
  api.stylize = fake_run;
  api.destroy = fake_destroy;
  return api;
}
}  // namespace

TEST(Runner, LivePreviewIsThrottledAndComesFromTheRunningImage) {
  const ns::EngineApi api = fake_api();
  np::EngineSession session(api);
  np::Job job;
  job.content = solid(4, 4, 1, 1, 1);
  job.styles = {solid(4, 4, 0, 0, 0), solid(4, 4, 1, 0, 0)};
  np::MainThreadHooks hooks;
  std::vector<int> widths;
  hooks.on_preview = [&widths](const ns::Image& image) { widths.push_back(image.width); };
  hooks.preview_interval_seconds = 0.15;
  g_snapshots_taken = 0;
  const auto start = std::chrono::steady_clock::now();
  const np::JobResult result = np::run_job(session, job, hooks);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.status.ok()) << result.status.message;
  EXPECT_EQ(g_styles_seen, 2u);
  // At most one preview per interval (the machine may be slow: measured, not assumed), and
  // never one per step.
  EXPECT_GE(widths.size(), 2u);
  EXPECT_LE(g_snapshots_taken, elapsed / hooks.preview_interval_seconds + 1);
  EXPECT_LT(g_snapshots_taken, 31);
  EXPECT_LE(widths.size(), static_cast<std::size_t>(g_snapshots_taken));
  for (std::size_t i = 1; i < widths.size(); ++i) EXPECT_GT(widths[i], widths[i - 1]);
  if (!widths.empty()) {
    EXPECT_GT(widths.front(), 1);  // not the start image
  }

  // Without a preview hook the engine's image is never copied out.
  g_snapshots_taken = 0;
  np::run_job(session, job, np::MainThreadHooks{});
  EXPECT_EQ(g_snapshots_taken, 0);
}

// A session creates its engine on the first job, paints later jobs with it, and creates it again
// (freeing the old one first) only for another weights file or device.
TEST(Runner, ASessionCreatesItsEngineOncePerWeightsFile) {
  const ns::EngineApi api = fake_api();
  g_creates = g_destroys = 0;
  {
    np::EngineSession session(api);
    np::Job job;
    job.content = solid(4, 4, 1, 1, 1);
    job.styles = {solid(4, 4, 0, 0, 0)};
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(np::run_job(session, job, {}).status.ok());
    EXPECT_EQ(g_creates, 1);
    job.params.weights_file = "/elsewhere/vgg19.safetensors";
    ASSERT_TRUE(np::run_job(session, job, {}).status.ok());
    EXPECT_EQ(g_creates, 2);
    EXPECT_EQ(g_destroys, 1);
  }
  EXPECT_EQ(g_destroys, 2);
}
