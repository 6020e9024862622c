// The GIMP 2 (GTK 2, libgimpui) settings dialog of the plug-in. The progress window that both
// plug-ins share is in ui/run_window.h.
//
// Every control is built from the parameter table (plugin/common/parameters.h): ranges, labels
// and tooltips come from there, so the dialog cannot disagree with the PDB registration.
#pragma once

#include <string>

#include "common/host.h"
#include "common/parameters.h"
#include "neural_style/engine_module.h"

namespace neural_style::plugin::ui {

// What the dialog needs to know about the current run besides the values.
struct DialogContext {
  int region_width = 0;  // the area that will be processed (selection box or layer)
  int region_height = 0;
  bool gpu_available = false;
  std::string engine_text;  // which engine module runs, and on which device (engine_description)
  std::string engine_path;  // the module's file, the engine line's tooltip
  std::string gpu_unavailable_reason;  // shown when the GPU choice is insensitive
  // For the preview: the loaded module (null when it could not be loaded, `engine_load_error`
  // says why) and what the run reads; no preview without a source.
  const neural_style::EngineModule* engine = nullptr;
  std::string engine_load_error;
  const Source* source = nullptr;
  ImageRef image = -1;  // the filtered image: its selection and channels are the regions
};

// The titles of the settings dialog and of the progress window (tests find them by these).
const char* dialog_title();
const char* run_window_title();

// Shows the settings dialog, starting from *values. Returns true on OK (and updates *values),
// false on Cancel or when the window is closed.
bool run_settings_dialog(Values* values, const DialogContext& context);

}  // namespace neural_style::plugin::ui
