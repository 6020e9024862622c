// The result of every fallible call in gimp-neural-style: the model library, the engine, the
// CLI and the plug-ins report errors as a Status (a code and one line for the user), never as an
// exception across a public boundary.
#pragma once

#include <string>
#include <utility>

namespace neural_style {

struct Status {
  enum class Code {
    Ok,
    Cancelled,
    InvalidArgument,  // bad parameters or images: the caller's fault
    ModelError,       // weights file missing, malformed or incompatible
    OutOfMemory,
    NumericError,  // the optimisation produced NaN or Inf
    DeviceError,   // e.g. CUDA asked for but unavailable
    Internal,
  };
  Code code = Code::Ok;
  std::string message;

  bool ok() const { return code == Code::Ok; }
  static Status success() { return {}; }
  static Status error(Code c, std::string msg) { return {c, std::move(msg)}; }
};

}  // namespace neural_style
