// Command-line flags of `neural-style`, parsed into the engine's Params.
#pragma once

#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style::cli {

struct Options {
  std::string content;
  std::vector<std::string> styles;  // --style, in order; blended with params.style_blend
  // --style-mask, the n-th for the n-th --style: its region over the content ("-" or "": none)
  std::vector<std::string> style_masks;
  // --style-source-mask, the n-th for the n-th --style: the part of that style image its style is
  // taken from ("-" or "": all of it)
  std::vector<std::string> style_source_masks;
  std::string output;
  std::string init_file;  // --init FILE
  std::string log_json;
  bool quiet = false;
  Params params = default_params();
};

enum class ParseOutcome { Run, Help, Version, Error };

// `message` receives the help text, or a one-line error for ParseOutcome::Error.
ParseOutcome parse_options(int argc, const char* const* argv, Options* options,
                           std::string* message);

// Exit statuses, documented in the README.
enum ExitCode {
  kExitOk = 0,
  kExitFailure = 1,  // the run failed for another reason
  kExitUsage = 2,    // bad flags, files, images or model files
  kExitOutOfMemory = 3,
  kExitNumeric = 4,  // the optimisation diverged
  kExitInterrupted = 130,
};

}  // namespace neural_style::cli
