// The small window that shows progress and offers Cancel while the engine runs, and the runner
// hooks that drive it. One implementation for both plug-ins: it uses only GTK calls that GTK 2.24
// and GTK 3 share, and is compiled into whichever plug-in is built.
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include <memory>
#include <string>

#include "common/run_sequence.h"
#include "common/runner.h"
#include "neural_style/neural_style.h"

namespace neural_style::plugin::ui {

struct PixbufUnref {
  void operator()(GdkPixbuf* p) const {
    if (p) g_object_unref(p);
  }
};
using PixbufPtr = std::unique_ptr<GdkPixbuf, PixbufUnref>;

// 8-bit RGB of a float image in [0, 1] (the preview areas of the progress window and dialogs).
PixbufPtr pixbuf_of(const neural_style::Image& image);

// A window with a progress bar, a live preview of the current result and a Cancel button
// (closing the window or pressing Escape cancels too). It is driven from the main thread: update()
// and pump() are called from the runner's hooks (see progress_hooks()).
class RunWindow {
 public:
  // `title` is the window's title (tests find the window by it).
  explicit RunWindow(const char* title);
  ~RunWindow();
  RunWindow(const RunWindow&) = delete;
  RunWindow& operator=(const RunWindow&) = delete;

  void update(double fraction, const std::string& text);
  // Shows `image` (the result so far, at processing size) scaled to fit the preview area.
  void show_preview(const neural_style::Image& image);
  // The preview area's size in pixels; previews keep their aspect ratio within it.
  static constexpr int kPreviewWidth = 360;
  static constexpr int kPreviewHeight = 270;
  bool cancel_requested() const;
  // Handles pending GTK events, then sleeps briefly so the main thread does not spin.
  void pump();

 private:
  struct Widgets;
  std::unique_ptr<Widgets> w_;
};

// Hooks for run_job() that show each progress report in GIMP's progress bar and, when `window`
// is not null, in the window, which then also shows a preview about every second, cancels the
// run and has its events pumped.
// `window` must outlive the run.
MainThreadHooks progress_hooks(RunWindow* window);

// The display of one job for run_request(): GIMP's progress bar, and with a `title` a RunWindow
// of that title as well (interactive runs).
std::unique_ptr<ProgressDisplay> open_progress_display(const char* title);

}  // namespace neural_style::plugin::ui
