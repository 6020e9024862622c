#include "dialog.h"

#include <libgimp/gimpui.h>

#include "common/i18n.h"
#include "common/messages.h"
#include "common/parameters.h"
#include "common/weights.h"
#include "gimp3/procedure_config.h"
#include "neural_style/neural_style.h"

namespace neural_style::plugin::ui {
namespace {

constexpr int kThumbnailSize = 128;

// The extra widgets, refreshed whenever a config property changes.
struct Extras {
  const DialogContext* context = nullptr;
  GimpProcedureConfig* config = nullptr;
  GtkWidget* thumbnail = nullptr;
  GtkWidget* thumbnail_note = nullptr;
  GtkWidget* weights = nullptr;
  GtkWidget* estimate = nullptr;
  std::string shown_style;  // the thumbnail's file, so unrelated changes do not reload it
};

void refresh_thumbnail(Extras* x, const std::string& path) {
  if (path == x->shown_style) return;
  x->shown_style = path;
  GError* error = nullptr;
  // GdkPixbuf reads the common formats; for anything else (XCF, say) the run still works
  // through GIMP's loaders, only the thumbnail is missing.
  GdkPixbuf* pixbuf = path.empty()
                          ? nullptr
                          : gdk_pixbuf_new_from_file_at_scale(path.c_str(), kThumbnailSize,
                                                              kThumbnailSize, TRUE, &error);
  if (pixbuf) {
    gtk_image_set_from_pixbuf(GTK_IMAGE(x->thumbnail), pixbuf);
    g_object_unref(pixbuf);
    gtk_label_set_text(GTK_LABEL(x->thumbnail_note), "");
  } else {
    gtk_image_set_from_icon_name(GTK_IMAGE(x->thumbnail), "image-missing", GTK_ICON_SIZE_DIALOG);
    gtk_label_set_text(GTK_LABEL(x->thumbnail_note),
                       path.empty() ? _("No style image chosen") : _("No preview"));
  }
  g_clear_error(&error);
}

void refresh(Extras* x) {
  const Values values = gimp3::values_from_config(x->config);
  refresh_thumbnail(x, values.style_file);

  const WeightsStatus weights = weights_status(values.weights_file);
  gtk_label_set_text(GTK_LABEL(x->weights), weights.text.c_str());

  const bool on_gpu = x->context->gpu_available && values.device != kDeviceCpu;
  const neural_style::Estimate e = neural_style::estimate(
      x->context->region_width, x->context->region_height, to_engine_params(values), on_gpu);
  std::string text = estimate_text(e, on_gpu);
  if (x->context->layer_count > 1)
    text += " " + std::string(_("Each selected layer is processed in turn."));
  gtk_label_set_text(GTK_LABEL(x->estimate), text.c_str());
}

void on_config_notify(GObject*, GParamSpec*, gpointer data) {
  refresh(static_cast<Extras*>(data));
}

GtkWidget* wrapped_label() {
  GtkWidget* label = gtk_label_new("");
  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_max_width_chars(GTK_LABEL(label), 48);
  gtk_label_set_xalign(GTK_LABEL(label), 0.0f);
  return label;
}

// Ranges, digits and widget kinds from the parameter table; GimpProcedureDialog would otherwise
// give every weight a slider over its whole 0 … 1e9 range.
void shape_widgets(GimpProcedureDialog* dialog) {
  for (const ParamSpec& s : parameter_table()) {
    if (s.id == kSeed) {
      gimp_procedure_dialog_get_widget(dialog, s.name, GTK_TYPE_SPIN_BUTTON);
      continue;
    }
    if (s.type != ParamType::Float && s.type != ParamType::Int) continue;
    GtkWidget* entry = gimp_procedure_dialog_get_scale_entry(dialog, s.name, 1.0);
    // limit_scale: the slider spans the useful range, the spin button still takes the PDB's.
    if (s.soft_max > s.soft_min)
      gimp_scale_entry_set_bounds(GIMP_SCALE_ENTRY(entry), s.soft_min, s.soft_max, TRUE);
    // After the bounds: the logarithmic mapping is computed from them.
    if (s.logarithmic) gimp_scale_entry_set_logarithmic(GIMP_SCALE_ENTRY(entry), TRUE);
    gimp_label_spin_set_digits(GIMP_LABEL_SPIN(entry), s.type == ParamType::Float ? s.digits : 0);
    // Wide enough for "100000" and "0.0010", which GTK's default width cuts off.
    gtk_entry_set_width_chars(GTK_ENTRY(gimp_label_spin_get_spin_button(GIMP_LABEL_SPIN(entry))),
                              9);
  }
}

// Greys out the GPU choice when no GPU can be used, saying why in the tooltip.
void limit_device_choice(GimpProcedureConfig* config, GimpProcedureDialog* dialog,
                         const DialogContext& context) {
  if (context.gpu_available) return;
  GParamSpec* pspec =
      g_object_class_find_property(G_OBJECT_GET_CLASS(config), param_spec(kDevice).name);
  if (pspec && GIMP_IS_PARAM_SPEC_CHOICE(pspec))
    gimp_choice_set_sensitive(gimp_param_spec_choice_get_choice(pspec),
                              gimp3::choice_nick(kDevice, kDeviceGpu), FALSE);
  GtkWidget* device =
      gimp_procedure_dialog_get_widget(dialog, param_spec(kDevice).name, G_TYPE_NONE);
  if (device && !context.gpu_unavailable_reason.empty())
    gtk_widget_set_tooltip_text(device, context.gpu_unavailable_reason.c_str());
}

// Disconnects a signal handler when the scope ends, so that the config (which outlives the
// dialog) never calls into the dialog's dead widgets.
class ScopedHandler {
 public:
  ScopedHandler(gpointer instance, gulong id) : instance_(instance), id_(id) {}
  ~ScopedHandler() { g_signal_handler_disconnect(instance_, id_); }
  ScopedHandler(const ScopedHandler&) = delete;
  ScopedHandler& operator=(const ScopedHandler&) = delete;

 private:
  gpointer instance_;
  gulong id_;
};

}  // namespace

const char* dialog_title() {
  return _("Neural Style Transfer");
}

bool run_settings_dialog(GimpProcedure* procedure, GimpProcedureConfig* config,
                         const DialogContext& context) {
  gimp_ui_init(kBinaryName);
  GtkWidget* dialog = gimp_procedure_dialog_new(procedure, config, dialog_title());
  auto* pd = GIMP_PROCEDURE_DIALOG(dialog);
  shape_widgets(pd);
  limit_device_choice(config, pd, context);
  gimp_procedure_dialog_fill(pd, nullptr);  // every argument, in the table's order

  Extras extras;
  extras.context = &context;
  extras.config = config;
  GtkWidget* frame = gimp_frame_new(_("Style and cost"));
  GtkWidget* row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_container_add(GTK_CONTAINER(frame), row);
  GtkWidget* thumb_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
  extras.thumbnail = gtk_image_new();
  gtk_widget_set_size_request(extras.thumbnail, kThumbnailSize, kThumbnailSize);
  extras.thumbnail_note = gtk_label_new("");
  gtk_box_pack_start(GTK_BOX(thumb_box), extras.thumbnail, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(thumb_box), extras.thumbnail_note, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(row), thumb_box, FALSE, FALSE, 0);
  GtkWidget* text_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
  extras.weights = wrapped_label();
  extras.estimate = wrapped_label();
  gtk_box_pack_start(GTK_BOX(text_box), extras.weights, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(text_box), extras.estimate, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(row), text_box, TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), frame, FALSE, FALSE,
                     0);
  gtk_widget_show_all(frame);

  refresh(&extras);
  ScopedHandler handler(config,
                        g_signal_connect(config, "notify", G_CALLBACK(on_config_notify), &extras));
  const bool ok = gimp_procedure_dialog_run(pd);
  gtk_widget_destroy(dialog);
  return ok;
}

}  // namespace neural_style::plugin::ui
