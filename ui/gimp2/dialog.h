// The GIMP 2 (GTK 2, libgimpui) dialogs of the plug-in: the settings dialog and the small
// window that shows progress and offers Cancel while the engine runs.
//
// Every control is built from the parameter table (plugin/common/parameters.h): ranges, labels
// and tooltips come from there, so the dialog cannot disagree with the PDB registration.
#pragma once

#include <memory>
#include <string>

#include "common/parameters.h"

namespace neural_style::plugin::ui {

// What the dialog needs to know about the current run besides the values.
struct DialogContext {
  int region_width = 0;   // the area that will be processed (selection box or layer)
  int region_height = 0;
  bool gpu_available = false;
  std::string gpu_unavailable_reason;  // shown when the GPU choice is insensitive
};

// The titles of the settings dialog and of the progress window (tests find them by these).
const char* dialog_title();
const char* run_window_title();

// Shows the settings dialog, starting from *values. Returns true on OK (and updates *values),
// false on Cancel or when the window is closed.
bool run_settings_dialog(Values* values, const DialogContext& context);

// A small window with a progress bar and a Cancel button, shown while the engine works.
// It is driven from the main thread: update() and pump() are called from runner hooks.
class RunWindow {
 public:
  RunWindow();
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

}  // namespace neural_style::plugin::ui
