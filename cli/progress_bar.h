// The terminal progress line of the CLI: bar, iteration, loss and time left.
#pragma once

#include <string>

#include "neural_style/neural_style.h"

namespace neural_style::cli {

// Seconds left, from the steps done so far (0 when nothing is known yet).
double eta_seconds(const Progress& p);
std::string format_duration(double seconds);
std::string progress_line(const Progress& p, int width);

}  // namespace neural_style::cli
