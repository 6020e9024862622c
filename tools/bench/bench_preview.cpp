// Times the settings dialogs' preview as a user waits for it: from the moment a preview job is
// handed to the PreviewWorker (the dialog does so 0.4 s after the last change) until its result
// can be shown, with the plug-in's own code path (preview_values(), downscale_rgb(),
// to_engine_params(), the engine module loaded as the plug-in loads it, the weights found as it
// finds them: the bundled network unless a full VGG-19 is installed).
//
//   bench-preview CONTENT.jpg STYLE.jpg [--rounds N]
//
// Prints, per round: the first preview (which also reads the network), a preview after a change
// of the style weight (the network kept), and a preview started while another was running (the
// running one cancelled first, as when the user changes a value again during a preview).
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "common/parameters.h"
#include "common/preview.h"
#include "common/weights.h"
#include "neural_style/engine_module.h"

namespace {

namespace ns = neural_style;
namespace np = neural_style::plugin;
using Clock = std::chrono::steady_clock;

bool load_rgba(const char* path, np::RgbaImage* out) {
  GError* error = nullptr;
  GdkPixbuf* pixbuf = gdk_pixbuf_new_from_file(path, &error);
  if (!pixbuf) {
    std::fprintf(stderr, "bench-preview: %s: %s\n", path, error ? error->message : "unreadable");
    g_clear_error(&error);
    return false;
  }
  out->width = gdk_pixbuf_get_width(pixbuf);
  out->height = gdk_pixbuf_get_height(pixbuf);
  const int channels = gdk_pixbuf_get_n_channels(pixbuf);
  const int stride = gdk_pixbuf_get_rowstride(pixbuf);
  const guchar* pixels = gdk_pixbuf_get_pixels(pixbuf);
  out->rgba.resize(out->pixel_count() * 4);
  for (int y = 0; y < out->height; ++y)
    for (int x = 0; x < out->width; ++x) {
      const guchar* p = pixels + static_cast<std::size_t>(y) * stride + x * channels;
      float* o = out->rgba.data() + (static_cast<std::size_t>(y) * out->width + x) * 4;
      for (int c = 0; c < 3; ++c) o[c] = p[c] / 255.0f;
      o[3] = channels == 4 ? p[3] / 255.0f : 1.0f;
    }
  g_object_unref(pixbuf);
  return true;
}

np::Job job_for(const np::Values& values, const ns::Image& content, const ns::Image& style) {
  const np::Values v = np::clamped(np::preview_values(values));
  np::Job job;
  job.content = content;
  job.styles = {style};
  job.params = np::to_engine_params(v);
  job.params.weights_file = np::resolve_weights_file(v.weights_file);
  return job;
}

// Processor seconds this process has used (all threads, user and system): on a busy machine
// the wall time of a preview grows with the other load, this much less.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Waits for `generation`'s result; returns its seconds since `since`, or -1 on failure.
double wait_for(np::PreviewWorker* worker, std::uint64_t generation, Clock::time_point since,
                std::string* weights) {
  for (;;) {
    if (auto update = worker->poll();
        update && update->generation == generation && update->result) {
      if (!update->result->status.ok()) {
        std::fprintf(stderr, "bench-preview: %s\n", update->result->status.message.c_str());
        return -1;
      }
      *weights = update->result->info.weights;
      return std::chrono::duration<double>(Clock::now() - since).count();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench-preview CONTENT STYLE [--rounds N]\n");
    return 2;
  }
  int rounds = 3;
  for (int i = 3; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[++i]));

  np::RgbaImage content_rgba, style_rgba;
  if (!load_rgba(argv[1], &content_rgba) || !load_rgba(argv[2], &style_rgba)) return 1;
  const ns::Image content = np::downscale_rgb(content_rgba, np::kPreviewSide);
  // The plug-in hands style images over at their own size; so does the benchmark.
  const ns::Image style =
      np::downscale_rgb(style_rgba, std::max(style_rgba.width, style_rgba.height));

  std::string load_error;
  const std::unique_ptr<ns::EngineModule> module = ns::EngineModule::load_default(&load_error);
  if (!module) {
    std::fprintf(stderr, "bench-preview: %s\n", load_error.c_str());
    return 1;
  }
  np::Values values = np::default_values();
  values.style_file = argv[2];
  const np::Values pv = np::preview_values(values);
  std::printf("preview %dx%d, %d steps at each of %d levels, content %dx%d, style %dx%d\n",
              content.width, content.height, pv.iterations, pv.scales, content_rgba.width,
              content_rgba.height, style.width, style.height);

  std::string weights;
  for (int round = 1; round <= rounds; ++round) {
    // A new worker, as a new dialog has: the first preview reads the network.
    np::PreviewWorker worker(module->api());
    double c0 = cpu_seconds();
    Clock::time_point t0 = Clock::now();
    const double first =
        wait_for(&worker, worker.start(job_for(values, content, style)), t0, &weights);

    const double first_cpu = cpu_seconds() - c0;

    np::Values changed = values;
    changed.style_weight *= 4;
    c0 = cpu_seconds();
    t0 = Clock::now();
    const double after_change =
        wait_for(&worker, worker.start(job_for(changed, content, style)), t0, &weights);

    const double change_cpu = cpu_seconds() - c0;

    // A change during a preview: the running one is cancelled, the new one started.
    worker.start(job_for(values, content, style));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    changed.style_weight *= 4;
    t0 = Clock::now();
    const double restarted =
        wait_for(&worker, worker.start(job_for(changed, content, style)), t0, &weights);
    if (first < 0 || after_change < 0 || restarted < 0) return 1;
    std::printf(
        "round %d: first %.2f s (processor %.2f s), after a change %.2f s (processor %.2f s), "
        "restarted during a preview %.2f s\n",
        round, first, first_cpu, after_change, change_cpu, restarted);
  }
  std::printf("weights: %s\n", weights.c_str());
  return 0;
}
