// The one run sequence of both plug-ins. The adapters map their arguments onto Values, show
// their dialog and load the engine module; from there on everything happens here, in one order:
// the ranges, the engine, the style images, each layer's job on one engine (so the weights are
// read once), the warnings, and the new layers, added in one undo step or not at all.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host.h"
#include "neural_style/engine_module.h"
#include "parameters.h"
#include "runner.h"

namespace neural_style::plugin {

// What shows one layer's job while it runs: a progress window in a GUI, GIMP's progress bar
// alone in batch mode. It lives from the job's start to its end.
class ProgressDisplay {
 public:
  virtual ~ProgressDisplay() = default;
  virtual MainThreadHooks hooks() = 0;
};
using OpenProgressDisplay = std::function<std::unique_ptr<ProgressDisplay>()>;

struct RunRequest {
  std::vector<Source> sources;  // from inspect_source(), all of one image
  Values values;                // as the dialog or the caller left them
  bool interactive = false;     // warnings as messages to the user; else on stderr
};

struct RunOutcome {
  enum class Kind { Done, Cancelled, CallingError, ExecutionError };
  Kind kind = Kind::Done;
  std::string error;             // translated, for the two error kinds
  std::vector<LayerRef> layers;  // the new layers, in the order of the sources
};

// What a run refuses before anything is loaded, as one message ("" when nothing): the ranges
// (check_ranges()), then a missing style image. The dialogs check it when OK is pressed, so the
// user can still correct it there.
std::string check_settings(const Values& values);

// Runs the request with `engine` (null when it could not be loaded: `load_error` says why).
// Every layer is computed before any is added, so a cancel or a failure part-way leaves the
// image as it was.
RunOutcome run_request(const neural_style::EngineModule* engine, const std::string& load_error,
                       const RunRequest& request, const OpenProgressDisplay& open_display);

}  // namespace neural_style::plugin
