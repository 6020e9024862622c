#include "preview.h"

#include <algorithm>
#include <exception>
#include <new>
#include <utility>

namespace neural_style::plugin {

namespace ns = neural_style;

Values preview_values(const Values& values) {
  Values v = with_preset(values, values.preset);
  v.preset = kPresetCustom;
  const Values fast = with_preset(default_values(), kPresetFastPreview);
  v.iterations = fast.iterations;
  v.scales = std::min(v.scales, fast.scales);
  // The copy the preview gets is already small: it is processed at its own size.
  v.max_size = 0;
  return v;
}

namespace {

// Box filter: each output pixel averages the source rows and columns that fall into it (whole
// pixels; at these factors the partial ones change nothing visible). `in` has `stride` floats a
// pixel, of which the first `channels` are kept.
std::vector<float> box_downscale(const float* in, int width, int height, int stride, int channels,
                                 int max_side, int* out_width, int* out_height) {
  const int longer = std::max(width, height);
  const double factor = longer > max_side ? static_cast<double>(max_side) / longer : 1.0;
  const int ow = std::max(1, static_cast<int>(width * factor + 0.5));
  const int oh = std::max(1, static_cast<int>(height * factor + 0.5));
  std::vector<float> out(static_cast<std::size_t>(ow) * oh * channels);
  const double sx = static_cast<double>(width) / ow;
  const double sy = static_cast<double>(height) / oh;
  for (int y = 0; y < oh; ++y) {
    const int y0 = static_cast<int>(y * sy);
    const int y1 = std::max(y0 + 1, std::min(height, static_cast<int>((y + 1) * sy)));
    for (int x = 0; x < ow; ++x) {
      const int x0 = static_cast<int>(x * sx);
      const int x1 = std::max(x0 + 1, std::min(width, static_cast<int>((x + 1) * sx)));
      double sum[4] = {0, 0, 0, 0};
      for (int yy = y0; yy < y1; ++yy) {
        const float* p = in + (static_cast<std::size_t>(yy) * width + x0) * stride;
        for (int xx = x0; xx < x1; ++xx, p += stride)
          for (int c = 0; c < channels; ++c) sum[c] += p[c];
      }
      const double n = static_cast<double>(y1 - y0) * (x1 - x0);
      float* o = out.data() + (static_cast<std::size_t>(y) * ow + x) * channels;
      for (int c = 0; c < channels; ++c) o[c] = static_cast<float>(sum[c] / n);
    }
  }
  *out_width = ow;
  *out_height = oh;
  return out;
}

}  // namespace

ns::Image downscale_rgb(const RgbaImage& source, int max_side) {
  ns::Image out;
  if (source.width <= 0 || source.height <= 0 || max_side <= 0 ||
      source.rgba.size() != source.pixel_count() * 4)
    return out;
  out.rgb = box_downscale(source.rgba.data(), source.width, source.height, 4, 3, max_side,
                          &out.width, &out.height);
  return out;
}

ns::Mask downscale_mask(const ns::Mask& mask, int max_side) {
  ns::Mask out;
  if (mask.empty() || max_side <= 0 ||
      mask.values.size() != static_cast<std::size_t>(mask.width) * mask.height)
    return out;
  out.values = box_downscale(mask.values.data(), mask.width, mask.height, 1, 1, max_side,
                             &out.width, &out.height);
  return out;
}

PreviewWorker::PreviewWorker(const ns::EngineApi& api)
    : session_(api), thread_([this] { loop(); }) {}

PreviewWorker::~PreviewWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
    queued_.reset();
  }
  wake_.notify_one();
  thread_.join();
}

std::uint64_t PreviewWorker::start(Job job) {
  std::uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = ++requested_;
    queued_ = std::move(job);
    queued_generation_ = generation;
    news_.reset();
  }
  wake_.notify_one();
  return generation;
}

void PreviewWorker::cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requested_;
  queued_.reset();
  news_.reset();
}

std::optional<PreviewWorker::Update> PreviewWorker::poll() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<Update> out;
  out.swap(news_);
  return out;
}

void PreviewWorker::loop() {
  for (;;) {
    Job job;
    std::uint64_t generation = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return quit_ || queued_.has_value(); });
      if (quit_) return;
      job = std::move(*queued_);
      queued_.reset();
      generation = queued_generation_;
    }
    // A job is wanted as long as no newer start() or cancel() came; the engine asks at least
    // once per step, so a superseded preview stops within one step.
    auto current = [this, generation] { return !quit_ && requested_ == generation; };
    ns::Callbacks callbacks;
    callbacks.on_progress = [this, generation, current](const ns::Progress& p) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!current()) return;
      if (!news_) news_ = Update{generation, {}, {}};
      news_->progress = p;
      news_->progress->snapshot = nullptr;  // refers to engine state gone after the callback
    };
    callbacks.should_cancel = [this, current] {
      std::lock_guard<std::mutex> lock(mutex_);
      return !current();
    };
    JobResult result;
    callbacks.on_warning = [&result](const std::string& w) { result.warnings.push_back(w); };
    try {
      result.status = session_.stylize(job, callbacks, &result.image, &result.info);
    } catch (const std::bad_alloc&) {
      result.status = ns::Status::error(ns::Status::Code::OutOfMemory, "allocation failed");
    } catch (const std::exception& e) {
      result.status = ns::Status::error(ns::Status::Code::Internal, e.what());
    } catch (...) {
      result.status = ns::Status::error(ns::Status::Code::Internal, "unknown exception");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current()) continue;
    if (!news_) news_ = Update{generation, {}, {}};
    news_->result = std::move(result);
  }
}

}  // namespace neural_style::plugin
