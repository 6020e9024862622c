#include "dialog.h"

#include <libgimp/gimpui.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "common/i18n.h"
#include "common/messages.h"
#include "common/parameters.h"
#include "common/weights.h"
#include "ui/dialog_preview.h"
#include "ui/gimp3/style_sources.h"
#ifdef NEURAL_STYLE_HAVE_FETCH
#include "ui/download_window.h"
#endif
#include "common/procedure_config.h"
#include "common/run_sequence.h"
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
  std::array<GtkAdjustment*, kStyleSlots> blend{};  // each style's weight in style-blend
  DialogPreview* preview = nullptr;                 // null without a source
  std::string shown_style;  // the thumbnail's file, so unrelated changes do not reload it
  // Set while the dialog itself writes to the config (a preset's values, the blend text), so
  // that those writes do not count as the user's edits.
  bool syncing = false;
};

// Writes the rows `ids` of `values` into the config.
void set_config_values(GimpProcedureConfig* config, const Values& values,
                       const std::vector<ParamId>& ids) {
  for (ParamId id : ids) {
    const ParamSpec& s = param_spec(id);
    const double x = get_number(values, id);
    switch (s.type) {
      case ParamType::Float: g_object_set(config, s.name, x, nullptr); break;
      case ParamType::Int: g_object_set(config, s.name, static_cast<gint>(x), nullptr); break;
      case ParamType::Boolean: g_object_set(config, s.name, x != 0 ? TRUE : FALSE, nullptr); break;
      case ParamType::Choice:
        g_object_set(config, s.name, gimp3::choice_nick(id, static_cast<int>(x)), nullptr);
        break;
      case ParamType::String:
        g_object_set(config, s.name, get_string(values, id).c_str(), nullptr);
        break;
      case ParamType::File: break;  // no preset sets a file
      case ParamType::Drawable:
      case ParamType::Channel: break;  // nor a layer or channel
    }
  }
}

// The blend text from the spin buttons of the slots that hold a file or a layer.
void write_blend(Extras* x) {
  const Values values = gimp3::values_from_config(x->config);
  std::vector<double> weights;
  for (int i = 0; i < kStyleSlots; ++i)
    if (slot_used(values, i))
      weights.push_back(gtk_adjustment_get_value(x->blend[i]));
  const std::string text = format_blend(weights);
  if (text == values.style_blend) return;
  x->syncing = true;
  g_object_set(x->config, param_spec(kStyleBlend).name, text.c_str(), nullptr);
  x->syncing = false;
}

void on_blend_changed(GtkAdjustment*, gpointer data) {
  auto* x = static_cast<Extras*>(data);
  if (!x->syncing) write_blend(x);
}

// The spin buttons are the dialog's own widgets, not the procedure config's: when the config's
// style-blend changes from outside them (Reset, Load Saved Settings), they follow it.
void show_blend(Extras* x) {
  const std::array<double, kStyleSlots> blend =
      blend_per_slot(gimp3::values_from_config(x->config));
  x->syncing = true;
  for (int i = 0; i < kStyleSlots; ++i) gtk_adjustment_set_value(x->blend[i], blend[i]);
  x->syncing = false;
}

ParamId param_of(const char* name) {
  for (const ParamSpec& s : parameter_table())
    if (g_strcmp0(s.name, name) == 0) return s.id;
  return kParamCount;
}

// A preset chosen: its values go into the config (and so into the widgets), where they stay
// editable. A recipe value edited by hand: the preset no longer describes the values, so it
// becomes Custom, and the run uses exactly what the dialog shows.
void follow_preset(Extras* x, ParamId changed) {
  if (x->syncing) return;
  const Values values = gimp3::values_from_config(x->config);
  const auto& rows = preset_rows();
  if (changed == kPreset && values.preset != kPresetCustom) {
    x->syncing = true;
    set_config_values(x->config, with_preset(values, values.preset), rows);
    x->syncing = false;
  } else if (std::find(rows.begin(), rows.end(), changed) != rows.end() &&
             values.preset != kPresetCustom && !matches_preset(values, values.preset)) {
    x->syncing = true;
    g_object_set(x->config, param_spec(kPreset).name, gimp3::choice_nick(kPreset, kPresetCustom),
                 nullptr);
    x->syncing = false;
  } else if (changed == kStyleFile || changed == kStyleFile2 || changed == kStyleFile3 ||
             changed == kStyleFile4) {
    write_blend(x);
  }
}

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
  if (x->preview) x->preview->values_changed(values);
}

#ifdef NEURAL_STYLE_HAVE_FETCH
// After a successful download the default search finds the new file, so an explicit choice is
// forgotten; the outcome's message replaces the status line either way.
void on_weights_download(GtkWidget* button, gpointer data) {
  auto* x = static_cast<Extras*>(data);
  const DownloadOutcome out = run_download_window(gtk_widget_get_toplevel(button));
  if (out.ok) g_object_set(x->config, param_spec(kWeightsFile).name, nullptr, nullptr);
  refresh(x);
  if (!out.message.empty()) gtk_label_set_text(GTK_LABEL(x->weights), out.message.c_str());
}
#endif

void on_config_notify(GObject*, GParamSpec* pspec, gpointer data) {
  auto* x = static_cast<Extras*>(data);
  const ParamId changed = param_of(g_param_spec_get_name(pspec));
  if (changed == kStyleBlend && !x->syncing) show_blend(x);
  follow_preset(x, changed);
  refresh(x);
}

// The style rows: each file chooser with its blend weight beside it, then style scale and
// colour mode, in a frame. Returns the frame's id for gimp_procedure_dialog_fill().
const char* build_style_frame(GimpProcedureDialog* dialog, Extras* x) {
  const Values values = gimp3::values_from_config(x->config);
  const std::array<double, kStyleSlots> blend = blend_per_slot(values);
  static const char* const row_ids[kStyleSlots] = {"style-row-1", "style-row-2", "style-row-3",
                                                   "style-row-4"};
  for (int i = 0; i < kStyleSlots; ++i) {
    GtkWidget* row = gimp_procedure_dialog_fill_box(dialog, row_ids[i],
                                                    param_spec(kStyleFileIds[i]).name, nullptr);
    gtk_orientable_set_orientation(GTK_ORIENTABLE(row), GTK_ORIENTATION_HORIZONTAL);
    gtk_box_set_spacing(GTK_BOX(row), 6);
    x->blend[i] = gtk_adjustment_new(blend[i], 0, 1000, 0.1, 1, 0);
    GtkWidget* spin = gtk_spin_button_new(x->blend[i], 0.1, 2);
    gtk_spin_button_set_numeric(GTK_SPIN_BUTTON(spin), TRUE);
    gtk_widget_set_tooltip_text(spin, _(param_spec(kStyleBlend).tooltip));
    g_signal_connect(x->blend[i], "value-changed", G_CALLBACK(on_blend_changed), x);
    GtkWidget* weight = gtk_label_new(_("Blend weight"));
    gtk_box_pack_end(GTK_BOX(row), spin, FALSE, FALSE, 0);
    gtk_box_pack_end(GTK_BOX(row), weight, FALSE, FALSE, 0);
    gtk_widget_show(spin);
    gtk_widget_show(weight);
  }
  gimp_procedure_dialog_fill_box(dialog, "style-box", row_ids[0], row_ids[1], row_ids[2],
                                 row_ids[3], param_spec(kStyleScale).name,
                                 param_spec(kColorMode).name, nullptr);
  gimp_procedure_dialog_get_label(dialog, "style-title", _("Style images"), FALSE, FALSE);
  gimp_procedure_dialog_fill_frame(dialog, "style-frame", "style-title", FALSE, "style-box");
  return "style-frame";
}

// Smoothness, pyramid, step size and layers, in an expander that starts collapsed.
const char* build_advanced(GimpProcedureDialog* dialog) {
  gimp_procedure_dialog_fill_box(dialog, "advanced-box", param_spec(kTvWeight).name,
                                 param_spec(kScales).name, param_spec(kLearningRate).name,
                                 param_spec(kRawWeights).name, param_spec(kContentLayer).name,
                                 param_spec(kStyleLayers).name, nullptr);
  gimp_procedure_dialog_get_label(dialog, "advanced-title", _("_Advanced"), FALSE, TRUE);
  GtkWidget* expander = gimp_procedure_dialog_fill_expander(dialog, "advanced", "advanced-title",
                                                            FALSE, "advanced-box");
  gtk_expander_set_expanded(GTK_EXPANDER(expander), FALSE);
  return "advanced";
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
  // The dialog has one colour control: preserve-colors shows as its colour mode.
  {
    const Values values = gimp3::values_from_config(config);
    Values shown = values;
    shown.color_mode = effective_color_mode(values);
    shown.preserve_colors = false;
    shown.preset = shown_preset(shown);
    set_config_values(config, shown, {kColorMode, kPreserveColors, kPreset});
  }
  GtkWidget* dialog = gimp_procedure_dialog_new(procedure, config, dialog_title());
  auto* pd = GIMP_PROCEDURE_DIALOG(dialog);
  shape_widgets(pd);
  limit_device_choice(config, pd, context);

  Extras extras;
  extras.context = &context;
  extras.config = config;
  const char* style_frame = build_style_frame(pd, &extras);
  const char* advanced = build_advanced(pd);
  const char* sources = build_style_sources(pd, config, context.image);
  // The preset first, then the styles, the main settings and the advanced ones; style-blend is
  // edited through the weights beside the files, preserve-colors through the colour mode.
  gimp_procedure_dialog_fill(
      pd, param_spec(kPreset).name, style_frame, sources, param_spec(kContentWeight).name,
      param_spec(kStyleWeight).name, param_spec(kIterations).name, param_spec(kMaxSize).name,
      param_spec(kOptimizer).name, param_spec(kInit).name, param_spec(kSeed).name,
      param_spec(kDevice).name, param_spec(kWeightsFile).name, advanced, nullptr);

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
#ifdef NEURAL_STYLE_HAVE_FETCH
  GtkWidget* download = gtk_button_new_with_mnemonic(_("_Download VGG-19 weights…"));
  gtk_widget_set_tooltip_text(
      download, _("Download the ImageNet-trained VGG-19 (about 575 MB) from torchvision's "
                  "server, check it and install it in your model folder."));
  gtk_widget_set_halign(download, GTK_ALIGN_START);
  g_signal_connect(download, "clicked", G_CALLBACK(on_weights_download), &extras);
  gtk_box_pack_start(GTK_BOX(text_box), download, FALSE, FALSE, 0);
#endif
  gtk_box_pack_start(GTK_BOX(text_box), extras.estimate, FALSE, FALSE, 0);
  if (!context.engine_text.empty()) {
    GtkWidget* engine = wrapped_label();
    gtk_label_set_text(GTK_LABEL(engine), context.engine_text.c_str());
    gtk_widget_set_tooltip_text(engine, context.engine_path.c_str());
    gtk_box_pack_start(GTK_BOX(text_box), engine, FALSE, FALSE, 0);
  }
  gtk_box_pack_start(GTK_BOX(row), text_box, TRUE, TRUE, 0);
  std::unique_ptr<DialogPreview> preview;
  if (context.source) {
    preview = std::make_unique<DialogPreview>(context.engine, context.engine_load_error,
                                              *context.source);
    gtk_box_pack_start(GTK_BOX(row), preview->widget(), FALSE, FALSE, 0);
    extras.preview = preview.get();
  }
  gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(dialog))), frame, FALSE, FALSE,
                     0);
  gtk_widget_show_all(frame);

  refresh(&extras);
  ScopedHandler handler(config,
                        g_signal_connect(config, "notify", G_CALLBACK(on_config_notify), &extras));
  bool ok = gimp_procedure_dialog_run(pd);
  // A mistyped layer list or blend, or no style image (Reset to Factory Defaults clears it), is
  // said here, where it can still be corrected.
  for (std::string error; ok && !(error = check_settings(gimp3::values_from_config(config))).empty();
       ok = gimp_procedure_dialog_run(pd)) {
    GtkWidget* message =
        gtk_message_dialog_new(GTK_WINDOW(dialog), GTK_DIALOG_MODAL, GTK_MESSAGE_ERROR,
                               GTK_BUTTONS_CLOSE, "%s", error.c_str());
    gtk_dialog_run(GTK_DIALOG(message));
    gtk_widget_destroy(message);
  }
  // The run that follows OK must not share the processor with a preview.
  if (preview) preview->stop();
  gtk_widget_destroy(dialog);
  return ok;
}

}  // namespace neural_style::plugin::ui
