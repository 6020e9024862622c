// Measurements of the engine for tools/bench/run-benchmark.sh and docs/performance.md.
//
//   bench-core --size 512 --iterations 5 --threads 2 [--nchw] [--autograd-gram] [--lbfgs]
//              [--precision bf16]
//              [--width-divisor D] [--memory-budget 2G] [--scales N] [--device cuda]
//     seconds per iteration (median), peak RSS, the memory model's estimate, and on a GPU the
//     memory the CUDA caching allocator holds after the run: one JSON object.
//   bench-core --time-to-result --size 256 --iterations 150 --runs 2:150,2:100,3:50 --threads 2
//     a single-scale run of --iterations steps at full size, then each multi-scale run
//     SCALES:ITERATIONS: the seconds until its full-size objective first reaches the
//     single-scale run's final loss. One JSON object per run. Structured synthetic images
//     (shapes, stripes) rather than noise, so that coarse scales mean something.
//
// Same objective, layers, weights (the random network, width 1 unless --width-divisor) and
// random images as reference_pytorch.py.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "device.h"
#include "geometry.h"
#include "memory_budget.h"
#include "neural_style/neural_style.h"
#include "tuning.h"

namespace ns = neural_style;

namespace {

struct Trace {
  std::vector<double> stamps;     // elapsed seconds at each report
  std::vector<double> last_loss;  // total loss at each report of the last scale
  std::vector<double> last_time;
  // Work done at each of those reports, in steps at full size (a step costs about its pixel
  // count): independent of the machine's load, unlike the time.
  std::vector<double> last_work;
};

// With --trace, every report of every run goes to stderr (run, scale, step, work, loss) so that
// the loss curves behind a time-to-result figure can be plotted (then the content, style and TV
// terms).
std::string g_trace_label;
// Set from the command line before the runs; each run creates its engine with it.
ns::Tuning g_tuning;

// Styles besides the first, for --two-styles and --regions (the same runs with and without
// region masks, to be compared side by side).
std::vector<ns::Image> g_extra_styles;

ns::Status run_traced(const ns::Image& content, const ns::Image& style, const ns::Params& p,
                      double stop_below, Trace* trace) {
  ns::Callbacks cb;
  bool reached = false;
  const double full_pixels = static_cast<double>(content.width) * content.height;
  double work_before_scale = 0;
  int scale = 0;
  double fraction = 0;  // of the current scale's pixels
  cb.on_progress = [&](const ns::Progress& pr) {
    trace->stamps.push_back(pr.elapsed_seconds);
    if (pr.scale != scale) {
      work_before_scale += pr.iterations * fraction;
      scale = pr.scale;
    }
    fraction = static_cast<double>(pr.width) * pr.height / full_pixels;
    if (pr.scale + 1 == pr.scales && pr.tiles == 0) {
      trace->last_loss.push_back(pr.total_loss);
      trace->last_time.push_back(pr.elapsed_seconds);
      trace->last_work.push_back(work_before_scale + pr.iteration * fraction);
      if (pr.total_loss <= stop_below) reached = true;
    }
    if (!g_trace_label.empty())
      std::cerr << g_trace_label << ' ' << pr.scale << ' ' << pr.iteration << ' '
                << work_before_scale + pr.iteration * fraction << ' ' << pr.total_loss << ' '
                << pr.content_loss << ' ' << pr.style_loss << ' ' << pr.tv_loss << '\n';
  };
  // Once the target is reached the rest of the run does not matter.
  cb.should_cancel = [&] { return reached; };
  ns::Image result;
  ns::EngineHandle engine;
  ns::Status s = ns::create_engine(ns::engine_config(p), g_tuning, &engine);
  std::vector<ns::Image> styles = {style};
  styles.insert(styles.end(), g_extra_styles.begin(), g_extra_styles.end());
  if (s.ok()) s = ns::stylize(*engine, content, styles, p, cb, &result);
  if (s.code == ns::Status::Code::Cancelled && reached) return ns::Status::success();
  return s;
}

// Smooth shapes and gradients (content) and coloured stripes (style): time to result needs
// images with structure at several scales, as photographs have; on white noise a coarse scale
// has nothing to contribute.
void structured_images(int size, ns::Image* content, ns::Image* style) {
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const double u = static_cast<double>(x) / size, v = static_cast<double>(y) / size;
      const bool disc = std::hypot(u - 0.35, v - 0.45) < 0.22;
      const bool bar = u > 0.6 && u < 0.8 && v > 0.2 && v < 0.85;
      float* c = &content->rgb[(static_cast<std::size_t>(y) * size + x) * 3];
      c[0] = static_cast<float>(disc ? 0.9 : 0.2 + 0.5 * v);
      c[1] = static_cast<float>(bar ? 0.8 : 0.3 + 0.4 * u);
      c[2] = static_cast<float>(disc || bar ? 0.1 : 0.7);
      const int band = ((x + 2 * y) * 64 / size / 3) % 3;
      float* st = &style->rgb[(static_cast<std::size_t>(y) * size + x) * 3];
      st[0] = band == 0 ? 0.95f : 0.1f;
      st[1] = band == 1 ? 0.85f : 0.15f;
      st[2] = band == 2 ? 0.9f : 0.2f;
    }
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  int size = 512, iterations = 5, threads = 2, divisor = 1, scales = 1;
  bool lbfgs = false, ttr = false;
  int two_styles = 0;  // 1: a second style, blended; 2: the two styles on the two halves
  std::string runs = "2:150,2:100,2:50,3:50";
  ns::Precision precision = ns::Precision::Float32;
  ns::Device device = ns::Device::CPU;
  std::uint64_t budget = 0;
  std::string weights;       // "" = the random network
  double learning_rate = 0;  // 0 = the optimiser's default
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto text = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    auto next = [&] { return std::atoi(text().c_str()); };
    if (a == "--size")
      size = next();
    else if (a == "--iterations")
      iterations = next();
    else if (a == "--threads")
      threads = next();
    else if (a == "--width-divisor")
      divisor = next();
    else if (a == "--scales")
      scales = next();
    else if (a == "--nchw")
      g_tuning.channels_last = false;
    else if (a == "--autograd-gram")
      g_tuning.symmetric_gram = false;
    else if (a == "--blas-gram")
      g_tuning.onednn_gram = false;
    else if (a == "--autograd-conv")
      g_tuning.conv_backward_as_forward = false;
    else if (a == "--direct-conv")
      g_tuning.winograd = false;
    else if (a == "--full-region-grams")
      g_tuning.region_boxes = false;
    else if (a == "--no-memory-cache")
      g_tuning.cache_cpu_memory = false;
    else if (a == "--lbfgs")
      lbfgs = true;
    else if (a == "--two-styles")
      two_styles = 1;
    else if (a == "--regions")
      two_styles = 2;
    else if (a == "--precision") {
      const std::string v = text();
      precision = v == "bf16"   ? ns::Precision::BFloat16
                  : v == "tf32" ? ns::Precision::TF32
                                : ns::Precision::Float32;
    } else if (a == "--memory-budget") {
      if (!ns::parse_memory_size(text(), &budget)) return 2;
    } else if (a == "--time-to-result")
      ttr = true;
    else if (a == "--runs")
      runs = text();
    else if (a == "--weights")
      weights = text();
    else if (a == "--lr")
      learning_rate = std::atof(text().c_str());
    else if (a == "--trace")
      g_trace_label = "run";
    else if (a == "--device") {
      const std::string v = text();
      device = v == "cuda" ? ns::Device::CUDA : v == "auto" ? ns::Device::Auto : ns::Device::CPU;
    } else {
      std::cerr
          << "usage: bench-core --size N --iterations N --threads N [--nchw] [--autograd-gram]\n"
             "       [--no-memory-cache] [--blas-gram] [--autograd-conv]\n"
             "       [--direct-conv] [--full-region-grams]\n"
             "       [--lbfgs] [--two-styles | --regions]\n"
             "       [--precision fp32|bf16|tf32] [--width-divisor D] [--scales N]\n"
             "       [--memory-budget SIZE] [--device cpu|cuda|auto] [--weights FILE] [--lr RATE]\n"
             "       [--time-to-result [--runs S:I,S:I,...] [--trace]]\n";
      return 2;
    }
  }
  // One JSON line per run, visible as soon as the run ends (time-to-result takes long).
  std::cout.setf(std::ios::unitbuf);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  ns::Image content = ns::Image::zeros(size, size), style = ns::Image::zeros(size, size);
  for (auto& v : content.rgb) v = u(rng);
  for (auto& v : style.rgb) v = u(rng);

  ns::Params p = ns::default_params();
  p.max_size = 0;
  p.scales = scales;
  p.iterations = iterations;
  p.threads = threads;
  p.random_width_divisor = divisor;
  p.precision = precision;
  p.memory_budget_bytes = budget;
  p.learning_rate = learning_rate;
  p.optimizer = lbfgs ? ns::Optimizer::LBFGS : ns::Optimizer::Adam;
  p.device = device;
  const bool cuda =
      device == ns::Device::CUDA || (device == ns::Device::Auto && ns::cuda_available());
  // The caching allocator keeps what it reserved (nothing here empties it), so the driver's free
  // memory after the run, against before it, is the run's high-water mark on the GPU.
  const std::uint64_t cuda_free_before = cuda ? ns::free_memory(torch::Device(torch::kCUDA, 0)) : 0;
  ns::apply_layer_set(ns::LayerSet::Deep, &p);
  if (two_styles > 0) {
    // The second style: the first one's channels in reverse order, another palette.
    ns::Image second = style;
    for (std::size_t i = 0; i < second.pixel_count(); ++i)
      std::swap(second.rgb[3 * i], second.rgb[3 * i + 2]);
    g_extra_styles = {second};
  }
  if (two_styles == 2) {
    // Left and right halves, with a soft edge 32 pixels wide.
    ns::Mask left;
    left.width = left.height = size;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x)
        left.values.push_back(
            static_cast<float>(std::clamp((size / 2.0 - x) / 32.0 + 0.5, 0.0, 1.0)));
    ns::Mask right = left;
    for (float& v : right.values) v = 1.0f - v;
    p.style_regions = {left, right};
  }
  if (!weights.empty()) {
    // Real weights: the layer set the file supports (the shared ImageNet layers stop at conv3_4).
    p.weights_file = weights;
    p.layer_set = ns::LayerSet::Auto;
  }

  if (ttr) {
    structured_images(size, &content, &style);
    // The reference: single scale at full size, its final loss is the target.
    p.scales = 1;
    Trace ref;
    if (!g_trace_label.empty()) g_trace_label = "1:" + std::to_string(iterations);
    if (ns::Status s = run_traced(content, style, p, -1, &ref); !s.ok()) {
      std::cerr << s.message << "\n";
      return 1;
    }
    const double target = ref.last_loss.back();
    const double ref_time = ref.last_time.back();
    const double ref_work = ref.last_work.back();
    std::cout << nlohmann::json{{"run", "1:" + std::to_string(iterations)},
                                {"size", size},
                                {"final_loss", target},
                                {"seconds_to_target", ref_time},
                                {"work_to_target", ref_work},
                                {"ratio", 1.0},
                                {"work_ratio", 1.0}}
                     .dump()
              << "\n";
    std::stringstream list(runs);
    std::string item;
    while (std::getline(list, item, ',')) {
      const auto colon = item.find(':');
      if (colon == std::string::npos) return 2;
      ns::Params q = p;
      q.scales = std::atoi(item.substr(0, colon).c_str());
      q.iterations = std::atoi(item.substr(colon + 1).c_str());
      Trace t;
      if (!g_trace_label.empty()) g_trace_label = item;
      if (ns::Status s = run_traced(content, style, q, target, &t); !s.ok()) {
        std::cerr << s.message << "\n";
        return 1;
      }
      double when = -1, work = -1;
      for (std::size_t k = 0; k < t.last_loss.size(); ++k)
        if (t.last_loss[k] <= target) {
          when = t.last_time[k];
          work = t.last_work[k];
          break;
        }
      nlohmann::json j = {{"run", item},
                          {"size", size},
                          {"final_loss", t.last_loss.back()},
                          {"full_size_start_loss", t.last_loss.front()}};
      if (when >= 0) {
        j["seconds_to_target"] = when;
        j["ratio"] = when / ref_time;
        j["work_to_target"] = work;
        j["work_ratio"] = work / ref_work;
      } else {
        j["seconds_to_target"] = nullptr;  // never reached the single-scale loss
        j["seconds"] = t.last_time.back();
      }
      std::cout << j.dump() << "\n";
    }
    return 0;
  }

  Trace trace;
  const ns::Status s =
      run_traced(content, style, p, -std::numeric_limits<double>::infinity(), &trace);
  if (!s.ok()) {
    std::cerr << s.message << "\n";
    return s.code == ns::Status::Code::OutOfMemory ? 3 : 1;
  }
  // Step k's time is stamps[k+1] - stamps[k]; the last interval is a forward pass only.
  const auto& stamps = trace.stamps;
  std::vector<double> steps;
  for (std::size_t k = 1; k + 1 < stamps.size(); ++k) steps.push_back(stamps[k] - stamps[k - 1]);
  if (steps.empty()) steps.push_back(stamps.back());
  std::sort(steps.begin(), steps.end());
  const double estimate =
      ns::untiled_peak_bytes({size, size}, p, cuda) + 2 * ns::image_bytes({size, size});
  nlohmann::json j = {{"impl", std::string(g_tuning.channels_last ? "core" : "core-nchw") +
                                   (g_tuning.symmetric_gram ? "" : "-autograd-gram") +
                                   (g_tuning.cache_cpu_memory ? "" : "-no-memory-cache") +
                                   (g_tuning.onednn_gram ? "" : "-blas-gram") +
                                   (g_tuning.conv_backward_as_forward ? "" : "-autograd-conv") +
                                   (g_tuning.winograd ? "" : "-direct-conv") +
                                   (g_tuning.region_boxes ? "" : "-full-region-grams") +
                                   (two_styles == 1   ? "-two-styles"
                                    : two_styles == 2 ? "-regions"
                                                      : "")},
                      {"size", size},
                      {"threads", threads},
                      {"width_divisor", divisor},
                      {"precision", precision == ns::Precision::BFloat16 ? "bf16"
                                    : precision == ns::Precision::TF32   ? "tf32"
                                                                         : "fp32"},
                      {"seconds_per_iteration", steps[steps.size() / 2]},
                      {"final_loss", trace.last_loss.empty() ? 0.0 : trace.last_loss.back()},
                      {"peak_rss_mib", peak_rss_mib()},
                      {"untiled_estimate_mib", estimate / (1024.0 * 1024.0)}};
  if (cuda) {
    const std::uint64_t after = ns::free_memory(torch::Device(torch::kCUDA, 0));
    j["device"] = "cuda";
    j["cuda_reserved_mib"] =
        (static_cast<double>(cuda_free_before) - static_cast<double>(after)) / (1024.0 * 1024.0);
  }
  std::cout << j.dump() << "\n";
  return 0;
}
