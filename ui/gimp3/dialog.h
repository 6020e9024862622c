// The GIMP 3 (GTK 3, libgimpui-3.0) settings dialog of the plug-in. The progress window that
// both plug-ins share is in ui/run_window.h.
//
// The settings dialog is a GimpProcedureDialog built from the procedure's config, so GIMP
// itself keeps the last values; this file adds only what the config cannot describe: slider
// ranges from the parameter table, the style thumbnail, the weights status and the estimate.
#pragma once

#include <libgimp/gimp.h>

#include <string>

#include "common/host.h"
#include "neural_style/engine_module.h"

namespace neural_style::plugin::ui {

// What the dialog needs to know about the current run besides the config.
struct DialogContext {
  int region_width = 0;  // the area that will be processed (selection box or layer)
  int region_height = 0;
  int layer_count = 1;  // selected layers; each is processed on its own
  bool gpu_available = false;
  std::string engine_text;  // which engine module runs, and on which device (engine_description)
  std::string engine_path;  // the module's file, the engine line's tooltip
  std::string gpu_unavailable_reason;  // the device tooltip when the GPU choice is insensitive
  // For the preview: the loaded module (null when it could not be loaded, `engine_load_error`
  // says why) and what the run reads (the first selected layer); no preview without a source.
  const neural_style::EngineModule* engine = nullptr;
  std::string engine_load_error;
  const Source* source = nullptr;
  GimpImage* image = nullptr;  // the filtered image: its selection and channels are the regions
};

// The window title the settings dialog carries (tests find the dialog by it).
const char* dialog_title();

// Shows the settings dialog on `config`. Returns true on OK, false on Cancel or when the window
// is closed; the config then holds the chosen values.
bool run_settings_dialog(GimpProcedure* procedure, GimpProcedureConfig* config,
                         const DialogContext& context);

}  // namespace neural_style::plugin::ui
