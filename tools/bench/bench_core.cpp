// Seconds per iteration of the engine at one size, for tools/bench/run-benchmark.sh.
//
//   bench-core --size 512 --iterations 5 --threads 2 [--nchw] [--lbfgs]
//
// Same objective, layers, weights (the random network, width 1) and random images as
// reference_pytorch.py. Prints one JSON object.
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "neural_style/neural_style.h"
#include "tuning.h"

namespace ns = neural_style;

int main(int argc, char** argv) {
  int size = 512, iterations = 5, threads = 2;
  bool lbfgs = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--size")
      size = next();
    else if (a == "--iterations")
      iterations = next();
    else if (a == "--threads")
      threads = next();
    else if (a == "--nchw")
      ns::tuning().channels_last = false;
    else if (a == "--lbfgs")
      lbfgs = true;
    else {
      std::cerr << "usage: bench-core --size N --iterations N --threads N [--nchw] [--lbfgs]\n";
      return 2;
    }
  }
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  ns::Image content = ns::Image::zeros(size, size), style = ns::Image::zeros(size, size);
  for (auto& v : content.rgb) v = u(rng);
  for (auto& v : style.rgb) v = u(rng);

  ns::Params p = ns::default_params();
  p.max_size = 0;
  p.scales = 1;
  p.iterations = iterations;
  p.threads = threads;
  p.optimizer = lbfgs ? ns::Optimizer::LBFGS : ns::Optimizer::Adam;
  std::vector<double> stamps;
  ns::Callbacks cb;
  cb.on_progress = [&](const ns::Progress& pr) { stamps.push_back(pr.elapsed_seconds); };
  ns::Image result;
  const ns::Status s = ns::run(content, style, p, cb, &result);
  if (!s.ok()) {
    std::cerr << s.message << "\n";
    return 1;
  }
  // Step k's time is stamps[k+1] - stamps[k]; the last interval is a forward pass only.
  std::vector<double> steps;
  for (std::size_t k = 1; k + 1 < stamps.size(); ++k) steps.push_back(stamps[k] - stamps[k - 1]);
  if (steps.empty()) steps.push_back(stamps.back());
  std::sort(steps.begin(), steps.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  nlohmann::json j = {{"impl", ns::tuning().channels_last ? "core" : "core-nchw"},
                      {"size", size},
                      {"threads", threads},
                      {"seconds_per_iteration", steps[steps.size() / 2]},
                      {"peak_rss_mib", ru.ru_maxrss / 1024.0}};
  std::cout << j.dump() << "\n";
  return 0;
}
