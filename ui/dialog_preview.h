// The preview area of both settings dialogs: a toggle, the result on a small copy of the layer
// (or of the selection's bounding box) and a line saying what is shown. One implementation for
// both plug-ins, like run_window.cpp: it uses only GTK calls that GTK 2.24 and GTK 3 share.
//
// The dialog calls values_changed() whenever a value may have changed; after a short pause
// without changes the preview reads what it needs on the main thread (the source pixels once,
// the style images once per file) and hands a Job to a PreviewWorker (plugin/common/preview.h),
// which cancels the preview still running. The dialog never waits for the engine.
#pragma once

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/host.h"
#include "common/parameters.h"
#include "common/preview.h"
#include "neural_style/engine_module.h"

namespace neural_style::plugin::ui {

class DialogPreview {
 public:
  // `engine` is null when the module could not be loaded (`load_error` says why); `source` is
  // what the run will read. Both must outlive the preview.
  DialogPreview(const neural_style::EngineModule* engine, std::string load_error,
                const Source& source);
  ~DialogPreview();
  DialogPreview(const DialogPreview&) = delete;
  DialogPreview& operator=(const DialogPreview&) = delete;

  // The toggle, the preview area and its note, for the dialog to pack.
  GtkWidget* widget() const { return box_; }
  // The dialog's values now; a preview starts after a pause when they matter to it.
  void values_changed(const Values& values);
  // Cancels and joins a running preview and stops all timers (the dialog closes; OK's run must
  // not share the processor with a preview). Called by the destructor too.
  void stop();

  // The area the result is shown in, in pixels.
  static constexpr int kAreaSize = kPreviewSide + 8;

 private:
  static void on_toggled(GtkToggleButton* toggle, gpointer self);
  static gboolean on_debounce(gpointer self);
  static gboolean on_poll(gpointer self);

  void schedule();
  void start_job();
  void poll();
  void show_note(const std::string& text);
  void show_image(const neural_style::Image& image);
  // The source scaled down, read on first use; false (and the note says why) on failure.
  bool ensure_content();

  const neural_style::EngineModule* engine_;
  std::string load_error_;
  const Source& source_;
  bool enabled_ = false;
  bool stopped_ = false;
  bool has_picture_ = false;  // the area shows the source or a result
  std::optional<Values> values_;
  std::string started_key_;  // preview_values() of the job started last, serialised
  std::optional<neural_style::Image> content_;
  // What the main thread read for earlier previews: style images (and a style layer's source
  // mask) by file or layer, regions by channel, already at the preview's size.
  struct Style {
    neural_style::Image image;
    neural_style::Mask source_mask;
  };
  std::map<std::string, Style> styles_;
  std::map<int, neural_style::Mask> regions_;
  std::unique_ptr<PreviewWorker> worker_;
  std::uint64_t generation_ = 0;  // of the job whose outcome is awaited, 0 = none
  guint debounce_id_ = 0;
  guint poll_id_ = 0;
  GtkWidget* box_ = nullptr;
  GtkWidget* toggle_ = nullptr;
  GtkWidget* image_ = nullptr;
  GtkWidget* note_ = nullptr;
  gulong toggled_handler_ = 0;
};

}  // namespace neural_style::plugin::ui
