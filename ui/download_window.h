// "Download VGG-19 weights…": the dialogs' download of the pretrained network, the same fetch
// as `neural-style models fetch vgg19`, in a window with a progress bar and Cancel. One
// implementation for both plug-ins: it uses only GTK calls that GTK 2.24 and GTK 3 share.
#pragma once

#include <gtk/gtk.h>

#include <string>

#include "neural_style/model_fetch.h"

namespace neural_style::plugin::ui {

struct DownloadOutcome {
  bool ok = false;
  bool cancelled = false;
  std::string path;     // the installed file, on success
  std::string message;  // translated: what happened, for the dialog's weights status line
};

// Shows a modal window over `parent` (may be null) and runs fetch_model(`request`) on a worker
// thread: by default VGG-19 from torchvision's server, checked and installed into the user's
// model folder, where the default weights search finds it. The window shows the bytes received
// of the total; Cancel (or closing it) stops the download and keeps the partial file, so that
// the next try resumes. Returns once the fetch has ended. Call it on the GTK main thread (from
// a button's "clicked" handler, for one): it runs a nested main loop meanwhile.
DownloadOutcome run_download_window(GtkWidget* parent, const FetchRequest& request = {});

}  // namespace neural_style::plugin::ui
