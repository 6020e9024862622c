// Running the engine off GIMP's main thread.
//
// libgimp talks to GIMP over a pipe and is not thread-safe, and GTK must stay on its own thread
// too. So the engine runs on a worker thread while the calling (main) thread keeps doing all
// libgimp and GTK work: it forwards progress, polls for cancellation and pumps the dialog's
// events. The worker never calls into GIMP; it only writes into shared state under a mutex.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "neural_style/engine_module.h"
#include "neural_style/neural_style.h"

namespace neural_style::plugin {

struct Job {
  neural_style::Image content;
  std::vector<neural_style::Image> styles;  // blended with params.style_blend
  neural_style::Params params;
};

struct JobResult {
  neural_style::Status status;
  neural_style::Image image;  // content-sized on success
  neural_style::RunInfo info;
  std::vector<std::string> warnings;  // from Callbacks::on_warning, in order
};

// Hooks called on the main thread only.
struct MainThreadHooks {
  // Called when new progress arrived (not more often than the engine reports).
  std::function<void(const neural_style::Progress&)> on_progress;
  // Polled between waits; true stops the run (the engine stops at its next check).
  std::function<bool()> cancel_requested;
  // Live preview: when set, the worker copies out the current image (at processing size) at
  // most every `preview_interval_seconds`, and it is handed here. The copy is taken on the
  // worker, inside the engine's progress callback, which is the only time it is valid.
  std::function<void(const neural_style::Image&)> on_preview;
  double preview_interval_seconds = 1.0;
  // Lets a GUI handle its events. When set it is called instead of sleeping and must not block
  // for long; when unset the main thread sleeps until the worker reports something.
  std::function<void()> pump_events;
};

// The engine a plug-in process creates once and paints every job with (the layers of one GIMP 3
// run, the previews of a dialog); it is created again only when a job names another weights
// file, input convention or device. Used by one job at a time.
class EngineSession {
 public:
  explicit EngineSession(const neural_style::EngineApi& api) : api_(api) {}
  // Creates the engine when there is none for the job's parameters yet, then stylises. Called on
  // the worker thread, so that reading the weights does not freeze the user interface.
  neural_style::Status stylize(const Job& job, const neural_style::Callbacks& callbacks,
                               neural_style::Image* result, neural_style::RunInfo* info);

 private:
  const neural_style::EngineApi& api_;
  std::unique_ptr<neural_style::ModuleEngine> engine_;
};

// Runs `job` with `session` on a worker thread and returns when it has finished. Exceptions of
// the engine (which should return a Status instead) are caught on the worker and reported as a
// Status, so nothing escapes across the thread boundary.
JobResult run_job(EngineSession& session, Job job, const MainThreadHooks& hooks);

}  // namespace neural_style::plugin
