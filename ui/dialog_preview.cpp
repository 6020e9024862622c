#include "ui/dialog_preview.h"

#include <utility>
#include <vector>

#include "common/i18n.h"
#include "common/messages.h"
#include "common/run_sequence.h"
#include "common/text_format.h"
#include "common/weights.h"
#include "ui/run_window.h"

namespace neural_style::plugin::ui {
namespace {

namespace ns = neural_style;

// A slider being dragged reports many values a second; the preview starts once they settle.
constexpr guint kDebounceMs = 400;
constexpr guint kPollMs = 100;

// Whether the preview is on is the user's habit rather than a setting of one run, so it is
// kept beside the last values, in a file of its own (the same for GIMP 2 and GIMP 3).
std::string toggle_file() {
  gchar* path = g_build_filename(gimp_directory(), "gimp-neural-style-preview", nullptr);
  std::string out(path);
  g_free(path);
  return out;
}

bool load_enabled() {
  gchar* text = nullptr;
  const bool on =
      g_file_get_contents(toggle_file().c_str(), &text, nullptr, nullptr) && text && text[0] == '1';
  g_free(text);
  return on;
}

void save_enabled(bool on) {
  // Losing it only costs the next dialog its toggle state.
  g_file_set_contents(toggle_file().c_str(), on ? "1\n" : "0\n", -1, nullptr);
}

}  // namespace

DialogPreview::DialogPreview(const ns::EngineModule* engine, std::string load_error,
                             const Source& source)
    : engine_(engine), load_error_(std::move(load_error)), source_(source) {
  enabled_ = load_enabled();
#if GTK_CHECK_VERSION(3, 0, 0)
  box_ = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
#else
  box_ = gtk_vbox_new(FALSE, 6);
#endif
  toggle_ = gtk_check_button_new_with_mnemonic(_("_Quick preview"));
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(toggle_), enabled_);
  gtk_widget_set_tooltip_text(
      toggle_, _("Compute the result on a copy of the layer (or selection) reduced to 160 pixels, "
                 "with the few steps of the fast preview, a moment after each change. The run "
                 "itself uses the full size and all its steps."));
  gtk_box_pack_start(GTK_BOX(box_), toggle_, FALSE, FALSE, 0);

  GtkWidget* frame = gtk_frame_new(nullptr);
  gtk_frame_set_shadow_type(GTK_FRAME(frame), GTK_SHADOW_IN);
  image_ = gtk_image_new();
  // The area keeps its size from the start, so the dialog does not jump when a preview arrives.
  gtk_widget_set_size_request(image_, kAreaSize, kAreaSize);
  gtk_container_add(GTK_CONTAINER(frame), image_);
  gtk_widget_set_tooltip_text(frame, _("The result of the fast preview's few steps on a copy "
                                       "reduced to 160 pixels. OK computes the full result."));
  gtk_box_pack_start(GTK_BOX(box_), frame, FALSE, FALSE, 0);

  note_ = gtk_label_new("");
  gtk_label_set_line_wrap(GTK_LABEL(note_), TRUE);
  gtk_widget_set_size_request(note_, kAreaSize, -1);
#if GTK_CHECK_VERSION(3, 0, 0)
  gtk_label_set_xalign(GTK_LABEL(note_), 0.0f);
  gtk_label_set_max_width_chars(GTK_LABEL(note_), 24);  // wraps at the area's width
#else
  gtk_misc_set_alignment(GTK_MISC(note_), 0.0, 0.0);
#endif
  gtk_box_pack_start(GTK_BOX(box_), note_, FALSE, FALSE, 0);
  show_note(enabled_ ? "" : _("The preview is off."));

  // The widgets may be destroyed with the dialog before this object goes: the references keep
  // them valid for stop().
  g_object_ref(toggle_);
  g_object_ref(image_);
  g_object_ref(note_);
  toggled_handler_ = g_signal_connect(toggle_, "toggled", G_CALLBACK(on_toggled), this);
}

DialogPreview::~DialogPreview() {
  stop();
  g_signal_handler_disconnect(toggle_, toggled_handler_);
  g_object_unref(note_);
  g_object_unref(image_);
  g_object_unref(toggle_);
}

void DialogPreview::stop() {
  stopped_ = true;
  if (debounce_id_) g_source_remove(debounce_id_);
  if (poll_id_) g_source_remove(poll_id_);
  debounce_id_ = poll_id_ = 0;
  worker_.reset();  // cancels the running preview and joins its thread
}

void DialogPreview::values_changed(const Values& values) {
  values_ = values;
  if (enabled_ && !stopped_ && serialize_values(preview_values(values)) != started_key_) schedule();
}

void DialogPreview::on_toggled(GtkToggleButton* toggle, gpointer self) {
  auto* p = static_cast<DialogPreview*>(self);
  p->enabled_ = gtk_toggle_button_get_active(toggle);
  save_enabled(p->enabled_);
  if (p->enabled_) {
    p->started_key_.clear();
    p->schedule();
    return;
  }
  if (p->debounce_id_) g_source_remove(p->debounce_id_);
  p->debounce_id_ = 0;
  if (p->worker_) p->worker_->cancel();
  p->generation_ = 0;
  gtk_image_clear(GTK_IMAGE(p->image_));
  p->has_picture_ = false;
  p->show_note(_("The preview is off."));
}

void DialogPreview::schedule() {
  if (debounce_id_) g_source_remove(debounce_id_);
  debounce_id_ = g_timeout_add(kDebounceMs, on_debounce, this);
}

gboolean DialogPreview::on_debounce(gpointer self) {
  auto* p = static_cast<DialogPreview*>(self);
  p->debounce_id_ = 0;
  p->start_job();
  return G_SOURCE_REMOVE;
}

bool DialogPreview::ensure_content() {
  if (content_) return true;
  RgbaImage pixels;
  std::string error;
  if (!read_source(source_, &pixels, &error)) {
    show_note(error);
    return false;
  }
  content_ = downscale_rgb(pixels, kPreviewSide);
  return true;
}

void DialogPreview::start_job() {
  if (!enabled_ || stopped_ || !values_) return;
  if (!engine_) {
    show_note(engine_load_error(load_error_));
    return;
  }
  const Values values = clamped(preview_values(*values_));
  const std::string key = serialize_values(values);
  if (!slot_used(values, 0)) {
    show_note(_("Choose a style image to see a preview."));
    return;
  }
  for (const std::string& error : {check_settings(values), check_items(source_.image, values)})
    if (!error.empty()) {
      show_note(error);
      return;
    }
  if (!ensure_content()) return;
  if (!has_picture_) show_image(*content_);  // the source, until a result replaces it

  Job job;
  job.content = *content_;
  // As the run reads them (run_sequence.cpp), but on the main thread once per file, layer or
  // channel: GIMP's loaders and item reads go over the PDB.
  std::vector<ns::Mask> source_masks, regions;
  bool any_source_mask = false, any_region = false;
  for (int slot : style_slots(values)) {
    const int layer = values.style_drawables[slot];
    const std::string& file = get_string(values, kStyleFileIds[slot]);
    const std::string key = layer != kNoItem ? "layer " + std::to_string(layer) : "file " + file;
    auto style = styles_.find(key);
    if (style == styles_.end()) {
      Style read;
      std::string error;
      const bool ok = layer != kNoItem ? read_style_drawable(layer, source_.image, &read.image,
                                                             &read.source_mask, &error)
                                       : load_style_image(file, &read.image, &error);
      if (!ok) {
        show_note(error);
        return;
      }
      style = styles_.emplace(key, std::move(read)).first;
    }
    job.styles.push_back(style->second.image);
    source_masks.push_back(style->second.source_mask);
    any_source_mask = any_source_mask || !style->second.source_mask.empty();

    const int channel = values.style_regions[slot];
    if (channel != kNoItem) {
      auto region = regions_.find(channel);
      if (region == regions_.end()) {
        ns::Mask full;
        std::string error;
        if (!read_region(channel, source_, &full, &error)) {
          show_note(error);
          return;
        }
        region = regions_.emplace(channel, downscale_mask(full, kPreviewSide)).first;
      }
      regions.push_back(region->second);
      any_region = true;
    } else {
      regions.emplace_back();
    }
  }
  job.params = to_engine_params(values);
  job.params.weights_file = resolve_weights_file(values.weights_file);
  if (any_source_mask) job.params.style_source_masks = std::move(source_masks);
  if (any_region) job.params.style_regions = std::move(regions);

  if (!worker_) worker_ = std::make_unique<PreviewWorker>(engine_->api());
  generation_ = worker_->start(std::move(job));
  started_key_ = key;
  show_note(_("Computing the preview…"));
  if (!poll_id_) poll_id_ = g_timeout_add(kPollMs, on_poll, this);
}

gboolean DialogPreview::on_poll(gpointer self) {
  auto* p = static_cast<DialogPreview*>(self);
  p->poll();
  if (p->generation_ != 0) return G_SOURCE_CONTINUE;
  p->poll_id_ = 0;
  return G_SOURCE_REMOVE;
}

void DialogPreview::poll() {
  if (!worker_ || generation_ == 0) {
    generation_ = 0;
    return;
  }
  const std::optional<PreviewWorker::Update> update = worker_->poll();
  if (!update || update->generation != generation_) return;
  if (update->progress && !update->result)
    show_note(format(_("Computing the preview… %d %%"),
                     static_cast<int>(progress_fraction(*update->progress) * 100 + 0.5)));
  if (!update->result) return;
  generation_ = 0;
  const JobResult& result = *update->result;
  if (result.status.code == ns::Status::Code::Cancelled) return;
  if (!result.status.ok()) {
    // The key stays: the same values would fail the same way until one changes.
    show_note(error_message(result.status));
    return;
  }
  show_image(result.image);
  show_note(
      format(_("Preview at reduced size, %d × %d px"), result.image.width, result.image.height));
}

void DialogPreview::show_note(const std::string& text) {
  gtk_label_set_text(GTK_LABEL(note_), text.c_str());
}

void DialogPreview::show_image(const ns::Image& image) {
  if (image.empty() || image.rgb.size() != image.pixel_count() * 3) return;
  if (PixbufPtr pixbuf = pixbuf_of(image)) {
    gtk_image_set_from_pixbuf(GTK_IMAGE(image_), pixbuf.get());
    has_picture_ = true;
  }
}

}  // namespace neural_style::plugin::ui
