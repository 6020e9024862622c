// `neural-style models list|verify|fetch`: the model store on the command line.
#pragma once

#include <cstdint>
#include <string>

namespace neural_style::cli {

// Runs the command; argv[1] is "models". Returns the exit status: 0, 1 (network or local
// failure), 2 (bad arguments, a damaged model file, a checksum mismatch), 130 (interrupted).
int run_models_command(int argc, char** argv);

// "80.1 MB": what the listings and the progress line show.
std::string format_size(std::uint64_t bytes);

// The terminal line while downloading: bar, percentage, bytes of total, speed and time left.
// `total` 0 = unknown; `rate` in bytes per second, 0 = not known yet.
std::string download_progress_line(std::uint64_t bytes, std::uint64_t total, double rate,
                                   int width);

}  // namespace neural_style::cli
