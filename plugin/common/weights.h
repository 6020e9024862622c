// What the dialog says about the VGG-19 weights a run would use.
//
// The search itself (for a weights-file argument of "") lives in the model library's
// model_store.h (models/), shared with the CLI; the names are re-exported here for the adapters.
#pragma once

#include <string>

#include "neural_style/model_store.h"

namespace neural_style::plugin {

using neural_style::find_default_weights;
using neural_style::is_bundled_model;
using neural_style::model_search_dirs;
using neural_style::resolve_weights_file;

// A translated one-line description of what a run with `weights_file` will use, for the
// dialog's status line: the file found, the bundled partial network, a missing file, or the
// random-network fallback, each with how to get the full network.
struct WeightsStatus {
  bool usable = false;  // a file exists (its contents are checked only by the engine)
  bool random = false;  // no file: the engine falls back to random weights
  bool bundled = false;  // the partial network shipped with the plug-in (model_store.h)
  std::string path;     // the file a run would load
  std::string text;
};
WeightsStatus weights_status(const std::string& weights_file);

}  // namespace neural_style::plugin
