// The small window that shows progress and offers Cancel while the engine runs, and the runner
// hooks that drive it. One implementation for both plug-ins: it uses only GTK calls that GTK 2.24
// and GTK 3 share, and is compiled into whichever plug-in is built.
#pragma once

#include <memory>
#include <string>

#include "common/runner.h"

namespace neural_style::plugin::ui {

// A window with a progress bar and a Cancel button (closing the window or pressing Escape
// cancels too). It is driven from the main thread: update() and pump() are called from the
// runner's hooks (see progress_hooks()).
class RunWindow {
 public:
  // `title` is the window's title (tests find the window by it).
  explicit RunWindow(const char* title);
  ~RunWindow();
  RunWindow(const RunWindow&) = delete;
  RunWindow& operator=(const RunWindow&) = delete;

  void update(double fraction, const std::string& text);
  bool cancel_requested() const;
  // Handles pending GTK events, then sleeps briefly so the main thread does not spin.
  void pump();

 private:
  struct Widgets;
  std::unique_ptr<Widgets> w_;
};

// Hooks for run_job() that show each progress report in GIMP's progress bar and, when `window`
// is not null, in the window, which then also cancels the run and has its events pumped.
// `window` must outlive the run.
MainThreadHooks progress_hooks(RunWindow* window);

}  // namespace neural_style::plugin::ui
