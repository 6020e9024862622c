// Unit tests of the dialogs' preview without GIMP: what a preview computes (preview_values(),
// downscale_rgb()) and the PreviewWorker's promises: it never blocks the caller, a new job stops
// the running one, only the newest job's outcome is reported, and destroying it stops the engine.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "common/parameters.h"
#include "common/preview.h"

namespace np = neural_style::plugin;
namespace ns = neural_style;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A stand-in engine: `iterations` steps of 10 ms each, asking for cancellation at every step as
// the engine does; its result is the content with every value replaced by the style weight.
std::atomic<int> g_finished{0};
std::atomic<int> g_cancelled{0};
char g_engine_token;

ns::Status fake_create(const ns::EngineConfig&, ns::Engine** engine) {
  *engine = reinterpret_cast<ns::Engine*>(&g_engine_token);
  return ns::Status::success();
}

void fake_destroy(ns::Engine*) {}

ns::Status fake_run(ns::Engine*, const ns::Image& content, const std::vector<ns::Image>&,
                    const ns::Params& params, const ns::Callbacks& callbacks, ns::Image* result,
                    ns::RunInfo*) {
  for (int i = 0; i < params.iterations; ++i) {
    if (callbacks.should_cancel && callbacks.should_cancel()) {
      ++g_cancelled;
      return ns::Status::error(ns::Status::Code::Cancelled, "cancelled");
    }
    ns::Progress p;
    p.iteration = p.done_steps = i;
    p.iterations = p.total_steps = params.iterations;
    if (callbacks.on_progress) callbacks.on_progress(p);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  *result = content;
  for (float& v : result->rgb) v = static_cast<float>(params.style_weight);
  ++g_finished;
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

np::Job job(int iterations, double style_weight) {
  np::Job j;
  j.content.width = j.content.height = 4;
  j.content.rgb.assign(4 * 4 * 3, 0.5f);
  j.styles = {j.content};
  j.params.iterations = iterations;
  j.params.style_weight = style_weight;
  return j;
}

// Polls as the dialog does until the newest job's result arrives (or `timeout`).
std::optional<np::PreviewWorker::Update> wait_for_result(np::PreviewWorker* worker,
                                                         double timeout = 10) {
  const auto start = Clock::now();
  while (seconds_since(start) < timeout) {
    if (auto update = worker->poll(); update && update->result) return update;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

}  // namespace

TEST(PreviewValues, FastPreviewEffortWithTheDialogsOtherValues) {
  np::Values v = np::default_values();
  v.preset = np::kPresetCustom;
  v.style_file = "/styles/a.png";
  v.content_weight = 3;
  v.style_weight = 77;
  v.iterations = 1000;
  v.max_size = 2048;
  v.scales = 4;
  v.seed = 42;
  v.optimizer = np::kOptimizerLbfgs;
  const np::Values fast = np::with_preset(np::default_values(), np::kPresetFastPreview);
  const np::Values p = np::preview_values(v);
  EXPECT_EQ(p.iterations, fast.iterations);
  EXPECT_EQ(p.scales, fast.scales);
  EXPECT_EQ(p.max_size, 0);  // the copy it gets is small already
  EXPECT_EQ(p.preset, np::kPresetCustom);
  EXPECT_EQ(p.content_weight, 3);
  EXPECT_EQ(p.style_weight, 77);
  EXPECT_EQ(p.seed, 42);
  EXPECT_EQ(p.optimizer, np::kOptimizerLbfgs);
  EXPECT_EQ(p.style_file, "/styles/a.png");
  // Fewer levels than the fast preview's stay as they are.
  v.scales = 1;
  EXPECT_EQ(np::preview_values(v).scales, 1);
  // Iterations and max size do not matter to the preview: changing them changes nothing.
  np::Values w = v;
  w.iterations = 5;
  w.max_size = 64;
  EXPECT_EQ(np::serialize_values(np::preview_values(w)),
            np::serialize_values(np::preview_values(v)));
}

TEST(PreviewValues, APresetIsAppliedFirstAsTheRunAppliesIt) {
  np::Values v = np::default_values();
  v.preset = np::kPresetSeedRecipe;
  v.content_weight = 999;  // ignored by a run with a preset
  const np::Values recipe = np::with_preset(v, np::kPresetSeedRecipe);
  const np::Values p = np::preview_values(v);
  EXPECT_EQ(p.content_weight, recipe.content_weight);
  EXPECT_EQ(p.content_layer, recipe.content_layer);
  EXPECT_EQ(p.raw_weights, recipe.raw_weights);
}

TEST(DownscaleRgb, LongerSideFitsAndEachPixelIsTheMeanOfItsBlock) {
  np::RgbaImage src;
  src.width = 640;
  src.height = 480;
  src.rgba.resize(src.pixel_count() * 4);
  // Columns alternate 0 and 1 in red; green is the row's parity; blue constant.
  for (int y = 0; y < src.height; ++y)
    for (int x = 0; x < src.width; ++x) {
      float* p = src.rgba.data() + (static_cast<std::size_t>(y) * src.width + x) * 4;
      p[0] = static_cast<float>(x % 2);
      p[1] = static_cast<float>(y % 2);
      p[2] = 0.25f;
      p[3] = 1;
    }
  const ns::Image out = np::downscale_rgb(src, 160);
  ASSERT_EQ(out.width, 160);
  ASSERT_EQ(out.height, 120);
  ASSERT_EQ(out.rgb.size(), 160u * 120u * 3u);
  // Every 4 x 4 block holds as many 0s as 1s in red and green.
  for (std::size_t i = 0; i < out.rgb.size(); i += 3) {
    ASSERT_FLOAT_EQ(out.rgb[i], 0.5f) << i / 3;
    ASSERT_FLOAT_EQ(out.rgb[i + 1], 0.5f) << i / 3;
    ASSERT_FLOAT_EQ(out.rgb[i + 2], 0.25f) << i / 3;
  }

  // Smaller sources keep their size and pixels.
  np::RgbaImage small;
  small.width = 3;
  small.height = 2;
  small.rgba = {0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0.5f, 0.5f, 0.5f, 1};
  const ns::Image same = np::downscale_rgb(small, 160);
  ASSERT_EQ(same.width, 3);
  ASSERT_EQ(same.height, 2);
  EXPECT_EQ(same.rgb,
            (std::vector<float>{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0.5f, 0.5f, 0.5f}));
}

TEST(PreviewWorker, ReportsTheResultOfItsJob) {
  const ns::EngineApi api = fake_api();
  np::PreviewWorker worker(api);
  const std::uint64_t generation = worker.start(job(5, 7));
  const auto update = wait_for_result(&worker);
  ASSERT_TRUE(update);
  EXPECT_EQ(update->generation, generation);
  ASSERT_TRUE(update->result->status.ok());
  EXPECT_FLOAT_EQ(update->result->image.rgb[0], 7.0f);
}

TEST(PreviewWorker, ANewJobStopsTheRunningOneWithoutWaitingAndOnlyTheNewestIsReported) {
  const ns::EngineApi api = fake_api();
  np::PreviewWorker worker(api);
  g_finished = g_cancelled = 0;
  worker.start(job(1000, 1));  // ten seconds
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = Clock::now();
  const std::uint64_t newest = worker.start(job(5, 2));
  EXPECT_LT(seconds_since(start), 0.05);  // start() hands over and returns
  const auto update = wait_for_result(&worker);
  ASSERT_TRUE(update);
  EXPECT_LT(seconds_since(start), 2.0);  // the first job did not run to its end
  EXPECT_EQ(update->generation, newest);
  EXPECT_FLOAT_EQ(update->result->image.rgb[0], 2.0f);
  EXPECT_EQ(g_cancelled, 1);
  EXPECT_EQ(g_finished, 1);
}

TEST(PreviewWorker, JobsQueuedWhileOneRunsLeaveOnlyTheNewest) {
  const ns::EngineApi api = fake_api();
  np::PreviewWorker worker(api);
  g_finished = g_cancelled = 0;
  worker.start(job(1000, 1));
  worker.start(job(1000, 2));
  worker.start(job(1000, 3));
  const std::uint64_t newest = worker.start(job(3, 4));
  const auto update = wait_for_result(&worker);
  ASSERT_TRUE(update);
  EXPECT_EQ(update->generation, newest);
  EXPECT_FLOAT_EQ(update->result->image.rgb[0], 4.0f);
  EXPECT_EQ(g_finished, 1);
  EXPECT_LE(g_cancelled, 1);  // at most the one that had started; the others never ran
}

TEST(PreviewWorker, CancelStopsTheJobAndNothingIsReported) {
  const ns::EngineApi api = fake_api();
  np::PreviewWorker worker(api);
  g_finished = g_cancelled = 0;
  worker.start(job(1000, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  worker.cancel();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto update = worker.poll();
  EXPECT_FALSE(update && update->result);
  EXPECT_EQ(g_cancelled, 1);
  EXPECT_EQ(g_finished, 0);
}

TEST(PreviewWorker, DestroyingItStopsTheRunningJobPromptly) {
  const ns::EngineApi api = fake_api();
  g_finished = g_cancelled = 0;
  auto worker = std::make_unique<np::PreviewWorker>(api);
  worker->start(job(1000, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = Clock::now();
  worker.reset();
  EXPECT_LT(seconds_since(start), 1.0);
  EXPECT_EQ(g_cancelled, 1);
  EXPECT_EQ(g_finished, 0);
}

TEST(DownscaleMask, ARegionShrinksLikeTheContent) {
  ns::Mask mask;
  mask.width = 640;
  mask.height = 480;
  mask.values.resize(640 * 480);
  // The left half paints, the right half does not.
  for (int y = 0; y < 480; ++y)
    for (int x = 0; x < 640; ++x) mask.values[y * 640 + x] = x < 320 ? 1.0f : 0.0f;
  const ns::Mask out = np::downscale_mask(mask, 160);
  ASSERT_EQ(out.width, 160);
  ASSERT_EQ(out.height, 120);
  ASSERT_EQ(out.values.size(), 160u * 120u);
  EXPECT_FLOAT_EQ(out.values[0], 1.0f);
  EXPECT_FLOAT_EQ(out.values[79], 1.0f);
  EXPECT_FLOAT_EQ(out.values[80], 0.0f);
  EXPECT_FLOAT_EQ(out.values[119 * 160 + 159], 0.0f);
}
