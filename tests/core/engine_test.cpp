// The engine through its public interface, on tiny images and a narrowed random VGG-19.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "cpu_memory_cache.h"
#include "neural_style/neural_style.h"
#include "test_images.h"
#include "tuning.h"

namespace ns = neural_style;

namespace {

ns::Params small_params() {
  ns::Params p = ns::default_params();
  p.random_width_divisor = 8;
  p.max_size = 48;
  p.scales = 1;
  p.iterations = 12;
  p.threads = 0;  // automatic: one thread for these small images
  return p;
}

struct Recorded {
  std::vector<ns::Progress> steps;
  int warnings = 0;
};

ns::Callbacks recorder(Recorded* r) {
  ns::Callbacks cb;
  cb.on_progress = [r](const ns::Progress& p) {
    ns::Progress copy = p;
    copy.snapshot = nullptr;
    r->steps.push_back(copy);
  };
  cb.on_warning = [r](const std::string&) { ++r->warnings; };
  return cb;
}

}  // namespace

TEST(Engine, AdamLowersTheObjectiveAndReturnsTheInputSize) {
  const ns::Image content = test_images::content(60, 40);
  const ns::Image style = test_images::style(50, 50);
  ns::Params p = small_params();
  Recorded rec;
  ns::Image result;
  ns::RunInfo info;
  const ns::Status s = ns::run(content, {style}, p, recorder(&rec), &result, &info);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(result.width, 60);
  EXPECT_EQ(result.height, 40);
  EXPECT_EQ(info.processed_width, 48);
  EXPECT_EQ(info.processed_height, 32);
  ASSERT_EQ(rec.steps.size(), static_cast<std::size_t>(p.iterations + 1));
  EXPECT_EQ(rec.steps.front().iteration, 0);
  EXPECT_EQ(rec.steps.back().iteration, p.iterations);
  // Measured 0.55 of the start (since style Grams are scaled to the generated image's size, the
  // square style no longer inflates the starting style term of this 3:2 content).
  EXPECT_LT(rec.steps.back().total_loss, 0.65 * rec.steps.front().total_loss);
  EXPECT_EQ(rec.warnings, 1);  // the random-network warning, every run
  for (float v : result.rgb) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LE(v, 1.0f);
  }
  // Stylised: the result is no longer the content image.
  EXPECT_LT(test_images::psnr(result, content), 30.0);
}

TEST(Engine, LbfgsLowersTheObjective) {
  ns::Params p = small_params();
  p.optimizer = ns::Optimizer::LBFGS;
  p.iterations = 10;
  Recorded rec;
  ns::Image result;
  ASSERT_TRUE(ns::run(test_images::content(48, 48), {test_images::style(48, 48)}, p, recorder(&rec),
                      &result)
                  .ok());
  EXPECT_LT(rec.steps.back().total_loss, 0.6 * rec.steps.front().total_loss);
  // With a line search the objective never rises from one iteration to the next.
  for (std::size_t i = 1; i < rec.steps.size(); ++i)
    EXPECT_LE(rec.steps[i].total_loss, rec.steps[i - 1].total_loss * (1 + 1e-6))
        << "iteration " << i;
}

TEST(Engine, ContentOnlyFromNoiseReconstructsTheContent) {
  ns::Params p = small_params();
  p.style_weight = 0;
  p.tv_weight = 0;
  p.content_weight = 1;
  p.layer_set = ns::LayerSet::Custom;
  p.content_layer = "relu1_2";
  p.style_layers = {{"relu1_1", 1.0}};
  p.init = ns::InitMode::Noise;
  p.random_width_divisor = 2;
  p.optimizer = ns::Optimizer::LBFGS;
  p.iterations = 60;
  const ns::Image content = test_images::content(40, 40);
  ns::Image noise_start;
  {
    ns::Params q = p;
    q.iterations = 1;
    ASSERT_TRUE(ns::run(content, {content}, q, {}, &noise_start).ok());
  }
  ns::Image result;
  const ns::Status s = ns::run(content, {test_images::style(40, 40)}, p, {}, &result);
  ASSERT_TRUE(s.ok()) << s.message;
  const double start = test_images::psnr(noise_start, content);
  const double end = test_images::psnr(result, content);
  EXPECT_LT(start, 15.0);
  EXPECT_GT(end, 25.0) << "from " << start << " dB";
}

TEST(Engine, SameSeedSameBytes) {
  ns::Params p = small_params();
  p.init = ns::InitMode::Noise;
  p.seed = 1234;
  p.iterations = 5;
  const ns::Image c = test_images::content(40, 32), s = test_images::style(32, 32);
  ns::Image a, b, other;
  ASSERT_TRUE(ns::run(c, {s}, p, {}, &a).ok());
  ASSERT_TRUE(ns::run(c, {s}, p, {}, &b).ok());
  EXPECT_EQ(a.rgb, b.rgb);
  p.seed = 99;
  ASSERT_TRUE(ns::run(c, {s}, p, {}, &other).ok());
  EXPECT_NE(a.rgb, other.rgb);
}

TEST(Engine, CancellationStopsWithinOneIteration) {
  ns::Params p = small_params();
  p.iterations = 1000;
  std::atomic<int> seen{0};
  ns::Callbacks cb;
  cb.on_progress = [&](const ns::Progress&) { ++seen; };
  cb.should_cancel = [&] { return seen.load() >= 3; };
  ns::Image result;
  const ns::Status s =
      ns::run(test_images::content(32, 32), {test_images::style(32, 32)}, p, cb, &result);
  EXPECT_EQ(s.code, ns::Status::Code::Cancelled);
  EXPECT_EQ(seen.load(), 3);
  EXPECT_TRUE(result.empty());
}

TEST(Engine, MultiScaleRunsCoarseToFine) {
  ns::Params p = small_params();
  p.max_size = 96;
  p.scales = 3;
  p.iterations = 3;
  Recorded rec;
  ns::Image result;
  ASSERT_TRUE(ns::run(test_images::content(96, 72), {test_images::style(64, 64)}, p, recorder(&rec),
                      &result)
                  .ok());
  // 96 -> 68 -> 48 would be below the 64-pixel floor: two levels remain.
  ASSERT_EQ(rec.steps.front().scales, 2);
  EXPECT_EQ(rec.steps.front().width, 68);
  EXPECT_EQ(rec.steps.back().width, 96);
  EXPECT_EQ(rec.steps.back().done_steps, 6);
  EXPECT_EQ(rec.steps.back().total_steps, 6);
  EXPECT_EQ(result.width, 96);
}

TEST(Engine, SnapshotGivesTheCurrentImage) {
  ns::Params p = small_params();
  p.iterations = 2;
  int snapshots = 0;
  ns::Callbacks cb;
  cb.on_progress = [&](const ns::Progress& pr) {
    const ns::Image img = pr.snapshot();
    EXPECT_EQ(img.width, pr.width);
    EXPECT_EQ(img.height, pr.height);
    ++snapshots;
  };
  ns::Image result;
  ASSERT_TRUE(
      ns::run(test_images::content(40, 40), {test_images::style(40, 40)}, p, cb, &result).ok());
  EXPECT_EQ(snapshots, 3);
}

TEST(Engine, RefusesBadInputWithAMessage) {
  ns::Params p = small_params();
  ns::Image result;
  ns::Status s = ns::run(test_images::content(40, 8), {test_images::style(40, 40)}, p, {}, &result);
  EXPECT_EQ(s.code, ns::Status::Code::InvalidArgument);
  p.max_size = 20;  // 80x20 is processed at 20x5: too small for relu5_1, which needs 16 px
  s = ns::run(test_images::content(80, 20), {test_images::style(40, 40)}, p, {}, &result);
  EXPECT_EQ(s.code, ns::Status::Code::InvalidArgument);
  EXPECT_NE(s.message.find("too small"), std::string::npos) << s.message;
  p = small_params();
  p.weights_file = "/nonexistent/vgg19.safetensors";
  s = ns::run(test_images::content(40, 40), {test_images::style(40, 40)}, p, {}, &result);
  EXPECT_EQ(s.code, ns::Status::Code::ModelError);
  EXPECT_NE(s.message.find("/nonexistent/vgg19.safetensors"), std::string::npos);
}

TEST(Engine, CudaRequestWithoutGpuIsAClearError) {
  if (ns::cuda_available()) GTEST_SKIP() << "this machine has a GPU";
  ns::Params p = small_params();
  p.device = ns::Device::CUDA;
  ns::Image result;
  const ns::Status s =
      ns::run(test_images::content(40, 40), {test_images::style(40, 40)}, p, {}, &result);
  EXPECT_EQ(s.code, ns::Status::Code::DeviceError);
}

TEST(Engine, MemoryLayoutChangesOnlyRounding) {
  ns::Params p = small_params();
  p.iterations = 4;
  const ns::Image c = test_images::content(40, 40), s = test_images::style(40, 40);
  ns::Image nhwc, nchw;
  ASSERT_TRUE(ns::run(c, {s}, p, {}, &nhwc).ok());
  ns::Tuning tuning;
  tuning.channels_last = false;
  ns::EngineHandle engine;
  ASSERT_TRUE(ns::create_engine(ns::engine_config(p), tuning, &engine).ok());
  const ns::Status status = ns::stylize(*engine, c, {s}, p, {}, &nchw);
  ASSERT_TRUE(status.ok()) << status.message;
  EXPECT_GT(test_images::psnr(nhwc, nchw), 50.0);
}

// The CPU kernels chosen for speed (oneDNN's sgemm for the Gram matrices, the convolutions'
// backward pass as forward convolutions, Winograd convolutions, region Grams over their masks'
// boxes) against LibTorch's own and the sums over every position, all together and each left
// out: the same picture up to rounding, with one style and with two styles in regions.
TEST(Engine, FastKernelsChangeOnlyRounding) {
  ns::Params p = small_params();
  p.iterations = 4;
  const ns::Image c = test_images::content(40, 40), s = test_images::style(40, 40);
  ns::Mask left;
  left.width = left.height = 40;
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x) left.values.push_back(std::clamp((24 - x) / 8.0f, 0.0f, 1.0f));
  ns::Mask right = left;
  for (float& v : right.values) v = 1.0f - v;
  for (const bool regions : {false, true}) {
    ns::Params q = p;
    std::vector<ns::Image> styles = {s};
    if (regions) {
      styles.push_back(test_images::content(40, 40));
      q.style_regions = {left, right};
    }
    ns::Image reference;
    ns::Tuning plain;
    plain.onednn_gram = false;
    plain.conv_backward_as_forward = false;
    plain.winograd = false;
    plain.region_boxes = false;
    ns::EngineHandle engine;
    ASSERT_TRUE(ns::create_engine(ns::engine_config(q), plain, &engine).ok());
    ASSERT_TRUE(ns::stylize(*engine, c, styles, q, {}, &reference).ok());
    for (int which = 0; which < 5; ++which) {
      ns::Tuning tuning;  // all on, then each one off
      tuning.onednn_gram = which != 1;
      tuning.conv_backward_as_forward = which != 2;
      tuning.winograd = which != 3;
      tuning.region_boxes = which != 4;
      ASSERT_TRUE(ns::create_engine(ns::engine_config(q), tuning, &engine).ok());
      ns::Image fast;
      const ns::Status status = ns::stylize(*engine, c, styles, q, {}, &fast);
      ASSERT_TRUE(status.ok()) << status.message;
      EXPECT_GT(test_images::psnr(reference, fast), 50.0) << "regions " << regions << " " << which;
    }
  }
}

// The CPU memory cache (Tuning::cache_cpu_memory): a freed large buffer serves the next request of
// its size instead of new pages, is freed when a new buffer is needed instead, a run leaves no
// idle buffers behind, and a second run with the cache gives the same image as the first.
TEST(Engine, CpuMemoryCacheReusesBuffersAndEmptiesAfterARun) {
  ns::Params p = small_params();
  p.iterations = 3;
  const ns::Image c = test_images::content(40, 40), s = test_images::style(40, 40);
  ns::EngineHandle engine;
  ASSERT_TRUE(ns::create_engine(ns::engine_config(p), ns::Tuning{}, &engine).ok());

  const void* first = nullptr;
  {
    const torch::Tensor big = torch::empty({4 << 20}, torch::kFloat32);  // 16 MiB
    first = big.data_ptr();
  }
  EXPECT_GE(ns::cpu_memory_cache_idle_bytes(), std::size_t{16} << 20);
  {
    const torch::Tensor again = torch::empty({4 << 20}, torch::kFloat32);
    EXPECT_EQ(again.data_ptr(), first);
    EXPECT_EQ(ns::cpu_memory_cache_idle_bytes(), 0u);
  }
  {
    // A request much smaller than the idle buffer does not take it, and the idle buffer is
    // freed for the new one: the cache never holds more than the tensors needed at once.
    const torch::Tensor half = torch::empty({2 << 20}, torch::kFloat32);
    EXPECT_NE(half.data_ptr(), first);
    EXPECT_EQ(ns::cpu_memory_cache_idle_bytes(), 0u);
  }

  ns::Image a, b;
  ASSERT_TRUE(ns::stylize(*engine, c, {s}, p, {}, &a).ok());
  EXPECT_EQ(ns::cpu_memory_cache_idle_bytes(), 0u);
  ASSERT_TRUE(ns::stylize(*engine, c, {s}, p, {}, &b).ok());
  EXPECT_EQ(a.rgb, b.rgb);
}
