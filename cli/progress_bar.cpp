#include "progress_bar.h"

#include <cmath>
#include <cstdio>

namespace neural_style::cli {

double eta_seconds(const Progress& p) {
  if (p.done_steps <= 0 || p.total_steps <= 0) return 0;
  // Coarse levels are cheaper than fine ones, so this overestimates early on; it settles as
  // the run reaches the final scale.
  return p.elapsed_seconds / p.done_steps * (p.total_steps - p.done_steps);
}

std::string format_duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

std::string progress_line(const Progress& p, int width) {
  const double frac = p.total_steps > 0 ? static_cast<double>(p.done_steps) / p.total_steps : 0;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(width), ' ');
  for (int i = 0; i < filled && i < width; ++i) bar[static_cast<std::size_t>(i)] = '#';
  char buf[256];
  std::snprintf(buf, sizeof buf, "[%s] %3d%%  scale %d/%d %dx%d  it %d/%d  loss %.4g  ETA %s",
                bar.c_str(), static_cast<int>(frac * 100), p.scale + 1, p.scales, p.width, p.height,
                p.iteration, p.iterations, p.total_loss,
                p.done_steps > 0 ? format_duration(eta_seconds(p)).c_str() : "--");
  return buf;
}

}  // namespace neural_style::cli
