#include "ui/gimp2/dialog.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "common/i18n.h"
#include "common/messages.h"
#include "common/run_sequence.h"
#include "common/text_format.h"
#include "common/weights.h"
#include "ui/dialog_preview.h"
#include "ui/gimp2/style_sources.h"
#ifdef NEURAL_STYLE_HAVE_FETCH
#include "ui/download_window.h"
#endif

namespace neural_style::plugin::ui {
namespace {

constexpr gint kResponseReset = 1;
constexpr int kThumbnailSize = 128;

struct WidgetDestroyer {
  void operator()(GtkWidget* w) const { gtk_widget_destroy(w); }
};
using WidgetPtr = std::unique_ptr<GtkWidget, WidgetDestroyer>;

// Everything the settings dialog's callbacks need. Lives on run_settings_dialog()'s stack for
// as long as the dialog exists.
struct DialogState {
  Values values;
  DialogContext context;
  GtkWidget* dialog = nullptr;
  GtkWidget* style_chooser = nullptr;
  GtkWidget* style_thumbnail = nullptr;
  GtkWidget* weights_chooser = nullptr;
  GtkWidget* weights_status = nullptr;
  GtkWidget* estimate = nullptr;
  std::array<GtkObject*, kParamCount> adjustments{};     // Int and Float rows
  std::array<GtkWidget*, kParamCount> combos{};          // Choice rows
  std::array<GtkWidget*, kParamCount> toggles{};         // Boolean rows
  std::array<GtkWidget*, kParamCount> entries{};         // String rows
  std::array<GtkWidget*, kStyleSlots> extra_choosers{};  // [0] unused: style_chooser
  std::array<GtkObject*, kStyleSlots> blend{};           // each style's blend weight
  DialogPreview* preview = nullptr;                       // null without a source
  GtkWidget* style_sources = nullptr;                     // layers and regions per slot
  // Set while widgets are being set from `values`, so that their change signals neither
  // write back nor turn the preset to Custom half-way.
  bool syncing = false;
};

void set_tooltip(GtkWidget* widget, ParamId id) {
  gimp_help_set_help_data(widget, _(param_spec(id).tooltip), nullptr);
}

bool on_gpu(const DialogState& s) {
  return s.values.device == kDeviceGpu ||
         (s.values.device == kDeviceAuto && s.context.gpu_available);
}

void update_estimate(DialogState* s) {
  if (s->preview) s->preview->values_changed(s->values);
  if (!s->estimate) return;  // controls report changes while the dialog is still being built
  const neural_style::Estimate e = neural_style::estimate(
      s->context.region_width, s->context.region_height, to_engine_params(s->values), on_gpu(*s));
  gtk_label_set_text(GTK_LABEL(s->estimate), estimate_text(e, on_gpu(*s)).c_str());
}

void update_weights_status(DialogState* s) {
  const WeightsStatus st = weights_status(s->values.weights_file);
  gtk_label_set_text(GTK_LABEL(s->weights_status), st.text.c_str());
}

void update_thumbnail(DialogState* s) {
  GtkImage* image = GTK_IMAGE(s->style_thumbnail);
  const std::string& path = s->values.style_file;
  GdkPixbuf* pixbuf = nullptr;
  if (!path.empty())
    pixbuf = gdk_pixbuf_new_from_file_at_scale(path.c_str(), kThumbnailSize, kThumbnailSize, TRUE,
                                               nullptr);
  if (pixbuf) {
    gtk_image_set_from_pixbuf(image, pixbuf);
    g_object_unref(pixbuf);
  } else {
    // GDK cannot preview every format GIMP loads; the run itself uses GIMP's loaders.
    gtk_image_set_from_stock(image, GTK_STOCK_MISSING_IMAGE, GTK_ICON_SIZE_DIALOG);
  }
  gtk_dialog_set_response_sensitive(GTK_DIALOG(s->dialog), GTK_RESPONSE_OK, !path.empty());
}

std::string chooser_filename(GtkWidget* chooser) {
  gchar* f = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
  std::string out(f ? f : "");
  g_free(f);
  return out;
}

void update_blend(DialogState* s);

void on_style_changed(GtkWidget* chooser, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  const std::string f = chooser_filename(chooser);
  // GTK 2's chooser button reports an empty selection while it is still being set up.
  if (f.empty()) return;
  s->values.style_file = f;
  update_thumbnail(s);
  update_blend(s);
}

void on_weights_changed(GtkWidget* chooser, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  s->values.weights_file = chooser_filename(chooser);
  update_weights_status(s);
}

void on_weights_default(GtkWidget*, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  gtk_file_chooser_unselect_all(GTK_FILE_CHOOSER(s->weights_chooser));
  s->values.weights_file.clear();
  update_weights_status(s);
}

#ifdef NEURAL_STYLE_HAVE_FETCH
// After a successful download the default search finds the new file, so the explicit choice is
// forgotten; the outcome's message replaces the status line either way.
void on_weights_download(GtkWidget* button, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  const DownloadOutcome out = run_download_window(gtk_widget_get_toplevel(button));
  if (out.ok) on_weights_default(nullptr, s);
  if (!out.message.empty()) gtk_label_set_text(GTK_LABEL(s->weights_status), out.message.c_str());
}
#endif

void after_change(DialogState* s, ParamId id);

void on_number_changed(GtkAdjustment* adjustment, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  if (s->syncing) return;
  const auto id =
      static_cast<ParamId>(GPOINTER_TO_INT(g_object_get_data(G_OBJECT(adjustment), "param-id")));
  set_number(&s->values, id, gtk_adjustment_get_value(adjustment));
  after_change(s, id);
}

void on_choice_changed(GtkWidget* combo, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  if (s->syncing) return;
  const auto id =
      static_cast<ParamId>(GPOINTER_TO_INT(g_object_get_data(G_OBJECT(combo), "param-id")));
  gint value = 0;
  if (gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &value))
    set_number(&s->values, id, value);
  after_change(s, id);
}

// The blend text from the spin buttons of the slots that hold a file or a layer.
void update_blend(DialogState* s) {
  std::vector<double> weights;
  for (int i = 0; i < kStyleSlots; ++i)
    if (slot_used(s->values, i))
      weights.push_back(gtk_adjustment_get_value(GTK_ADJUSTMENT(s->blend[i])));
  s->values.style_blend = format_blend(weights);
  if (s->preview) s->preview->values_changed(s->values);
}

void sync_widgets(DialogState* s);

// A recipe value edited by hand: the preset no longer describes the values, so the combo says
// Custom (and the run then uses exactly what the dialog shows).
void after_change(DialogState* s, ParamId id) {
  if (s->syncing) return;
  const auto& rows = preset_rows();
  if (s->values.preset != kPresetCustom && std::find(rows.begin(), rows.end(), id) != rows.end() &&
      !matches_preset(s->values, s->values.preset)) {
    s->values.preset = kPresetCustom;
    s->syncing = true;
    gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(s->combos[kPreset]), kPresetCustom);
    s->syncing = false;
  }
  update_estimate(s);
}

void on_toggled(GtkToggleButton* toggle, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  if (s->syncing) return;
  const auto id =
      static_cast<ParamId>(GPOINTER_TO_INT(g_object_get_data(G_OBJECT(toggle), "param-id")));
  set_number(&s->values, id, gtk_toggle_button_get_active(toggle) ? 1 : 0);
  after_change(s, id);
}

void on_entry_changed(GtkEntry* entry, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  if (s->syncing) return;
  const auto id =
      static_cast<ParamId>(GPOINTER_TO_INT(g_object_get_data(G_OBJECT(entry), "param-id")));
  set_string(&s->values, id, gtk_entry_get_text(entry));
  after_change(s, id);
}

void on_blend_changed(GtkAdjustment*, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  if (!s->syncing) update_blend(s);
}

void on_extra_style_changed(GtkWidget* chooser, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  const int slot = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(chooser), "slot"));
  const std::string f = chooser_filename(chooser);
  if (f.empty()) return;  // see on_style_changed
  set_string(&s->values, kStyleFileIds[slot], f);
  update_blend(s);
}

void on_extra_style_clear(GtkWidget* button, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  const int slot = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(button), "slot"));
  gtk_file_chooser_unselect_all(GTK_FILE_CHOOSER(s->extra_choosers[slot]));
  set_string(&s->values, kStyleFileIds[slot], "");
  update_blend(s);
}

void on_preset_changed(GtkWidget* combo, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  if (s->syncing) return;
  gint preset = kPresetCustom;
  if (!gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &preset)) return;
  s->values.preset = preset;
  // Custom keeps what is shown; a preset sets its values, which stay editable.
  if (preset != kPresetCustom) {
    s->values = with_preset(s->values, preset);
    sync_widgets(s);
  }
  update_estimate(s);
}

void on_new_seed(GtkWidget*, gpointer data) {
  auto* s = static_cast<DialogState*>(data);
  gtk_adjustment_set_value(GTK_ADJUSTMENT(s->adjustments[kSeed]),
                           g_random_int_range(0, G_MAXINT32));
}

gboolean device_sensitive(gint value, gpointer data) {
  return value != kDeviceGpu || static_cast<DialogState*>(data)->context.gpu_available;
}

GtkObject* add_scale(DialogState* s, GtkTable* table, int row, ParamId id) {
  const ParamSpec& spec = param_spec(id);
  const bool is_float = spec.type == ParamType::Float;
  const double step = is_float ? 1.0 / std::max(1.0, std::pow(10.0, spec.digits - 1)) : 1.0;
  GtkObject* adj = gimp_scale_entry_new(table, 0, row, _(spec.label), 200, 8,
                                        get_number(s->values, id), spec.soft_min, spec.soft_max,
                                        step, is_float ? step * 10 : 10, is_float ? spec.digits : 0,
                                        FALSE, spec.min, spec.max, _(spec.tooltip), nullptr);
  if (spec.logarithmic) gimp_scale_entry_set_logarithmic(adj, TRUE);
  g_object_set_data(G_OBJECT(adj), "param-id", GINT_TO_POINTER(id));
  g_signal_connect(adj, "value-changed", G_CALLBACK(on_number_changed), s);
  s->adjustments[id] = adj;
  return adj;
}

GtkWidget* add_combo(DialogState* s, GtkTable* table, int row, ParamId id) {
  const ParamSpec& spec = param_spec(id);
  // An empty GimpIntComboBox (it creates its own GimpIntStore), filled from the table.
  GtkWidget* combo = GTK_WIDGET(g_object_new(GIMP_TYPE_INT_COMBO_BOX, nullptr));
  for (std::size_t i = 0; i < spec.choices.size(); ++i)
    gimp_int_combo_box_append(GIMP_INT_COMBO_BOX(combo), GIMP_INT_STORE_VALUE, static_cast<gint>(i),
                              GIMP_INT_STORE_LABEL, _(spec.choices[i]), -1);
  g_object_set_data(G_OBJECT(combo), "param-id", GINT_TO_POINTER(id));
  gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(combo),
                                static_cast<gint>(get_number(s->values, id)));
  g_signal_connect(combo, "changed", G_CALLBACK(on_choice_changed), s);
  set_tooltip(combo, id);
  gimp_table_attach_aligned(table, 0, row, _(spec.label), 0.0, 0.5, combo, 2, FALSE);
  s->combos[id] = combo;
  return combo;
}

GtkWidget* add_toggle(DialogState* s, GtkBox* box, ParamId id) {
  GtkWidget* toggle = gtk_check_button_new_with_mnemonic(_(param_spec(id).label));
  gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(toggle), get_number(s->values, id) != 0);
  g_object_set_data(G_OBJECT(toggle), "param-id", GINT_TO_POINTER(id));
  set_tooltip(toggle, id);
  g_signal_connect(toggle, "toggled", G_CALLBACK(on_toggled), s);
  gtk_box_pack_start(box, toggle, FALSE, FALSE, 0);
  s->toggles[id] = toggle;
  return toggle;
}

GtkWidget* add_entry(DialogState* s, GtkTable* table, int row, ParamId id) {
  GtkWidget* entry = gtk_entry_new();
  gtk_entry_set_text(GTK_ENTRY(entry), get_string(s->values, id).c_str());
  g_object_set_data(G_OBJECT(entry), "param-id", GINT_TO_POINTER(id));
  set_tooltip(entry, id);
  g_signal_connect(entry, "changed", G_CALLBACK(on_entry_changed), s);
  gimp_table_attach_aligned(table, 0, row, _(param_spec(id).label), 0.0, 0.5, entry, 2, FALSE);
  s->entries[id] = entry;
  return entry;
}

GtkWidget* small_label(const std::string& text) {
  GtkWidget* label = gtk_label_new(text.c_str());
  gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
  gtk_widget_set_size_request(label, 420, -1);
  gimp_label_set_attributes(GTK_LABEL(label), PANGO_ATTR_SCALE, PANGO_SCALE_SMALL, -1);
  return label;
}

GtkWidget* framed(const char* title, GtkWidget* child) {
  GtkWidget* frame = gimp_frame_new(title);
  gtk_container_add(GTK_CONTAINER(frame), child);
  return frame;
}

GtkWidget* add_file_filters(GtkWidget* chooser) {
  GtkFileFilter* images = gtk_file_filter_new();
  gtk_file_filter_set_name(images, _("Images"));
  gtk_file_filter_add_pixbuf_formats(images);
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), images);
  GtkFileFilter* all = gtk_file_filter_new();
  gtk_file_filter_set_name(all, _("All files"));
  gtk_file_filter_add_pattern(all, "*");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), all);
  return chooser;
}

GtkWidget* build_style_section(DialogState* s) {
  GtkWidget* hbox = gtk_hbox_new(FALSE, 12);

  // One row per style image: file, weight in the blend (and a clear button for the extras).
  GtkWidget* table = gtk_table_new(kStyleSlots + 3, 4, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  gtk_table_set_row_spacings(GTK_TABLE(table), 4);
  gtk_box_pack_start(GTK_BOX(hbox), table, TRUE, TRUE, 0);
  GtkWidget* weight_title = gtk_label_new(_("Blend weight"));
  gimp_help_set_help_data(weight_title, _(param_spec(kStyleBlend).tooltip), nullptr);
  gtk_table_attach(GTK_TABLE(table), weight_title, 2, 3, 0, 1, GTK_FILL, GTK_FILL, 0, 0);
  const std::array<double, kStyleSlots> blend = blend_per_slot(s->values);
  for (int i = 0; i < kStyleSlots; ++i) {
    const ParamId id = kStyleFileIds[i];
    GtkWidget* chooser = add_file_filters(gtk_file_chooser_button_new(
        i == 0 ? _("Choose a Style Image") : _("Choose a Further Style Image"),
        GTK_FILE_CHOOSER_ACTION_OPEN));
    const std::string& file = get_string(s->values, id);
    if (!file.empty()) gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(chooser), file.c_str());
    set_tooltip(chooser, id);
    g_object_set_data(G_OBJECT(chooser), "slot", GINT_TO_POINTER(i));
    if (i == 0) {
      s->style_chooser = chooser;
      g_signal_connect(chooser, "selection-changed", G_CALLBACK(on_style_changed), s);
    } else {
      s->extra_choosers[i] = chooser;
      g_signal_connect(chooser, "selection-changed", G_CALLBACK(on_extra_style_changed), s);
    }
    GtkWidget* label = gtk_label_new_with_mnemonic(_(param_spec(id).label));
    gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), chooser);
    gtk_table_attach(GTK_TABLE(table), label, 0, 1, i + 1, i + 2, GTK_FILL, GTK_FILL, 0, 0);
    gtk_table_attach(GTK_TABLE(table), chooser, 1, 2, i + 1, i + 2,
                     GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
    s->blend[i] = gtk_adjustment_new(blend[i], 0, 1000, 0.1, 1, 0);
    GtkWidget* spin = gtk_spin_button_new(GTK_ADJUSTMENT(s->blend[i]), 0.1, 2);
    gtk_spin_button_set_numeric(GTK_SPIN_BUTTON(spin), TRUE);
    gimp_help_set_help_data(spin, _(param_spec(kStyleBlend).tooltip), nullptr);
    g_signal_connect(s->blend[i], "value-changed", G_CALLBACK(on_blend_changed), s);
    gtk_table_attach(GTK_TABLE(table), spin, 2, 3, i + 1, i + 2, GTK_FILL, GTK_FILL, 0, 0);
    if (i > 0) {
      GtkWidget* clear = gtk_button_new_from_stock(GTK_STOCK_CLEAR);
      gtk_button_set_label(GTK_BUTTON(clear), nullptr);
      gtk_button_set_image(GTK_BUTTON(clear),
                           gtk_image_new_from_stock(GTK_STOCK_CLEAR, GTK_ICON_SIZE_MENU));
      gimp_help_set_help_data(clear, _("Use no image in this row."), nullptr);
      g_object_set_data(G_OBJECT(clear), "slot", GINT_TO_POINTER(i));
      g_signal_connect(clear, "clicked", G_CALLBACK(on_extra_style_clear), s);
      gtk_table_attach(GTK_TABLE(table), clear, 3, 4, i + 1, i + 2, GTK_FILL, GTK_FILL, 0, 0);
    }
  }
  int row = kStyleSlots + 1;
  add_scale(s, GTK_TABLE(table), row++, kStyleScale);
  add_combo(s, GTK_TABLE(table), row++, kColorMode);

  GtkWidget* thumb_frame = gtk_frame_new(nullptr);
  gtk_frame_set_shadow_type(GTK_FRAME(thumb_frame), GTK_SHADOW_IN);
  s->style_thumbnail = gtk_image_new();
  gtk_widget_set_size_request(s->style_thumbnail, kThumbnailSize, kThumbnailSize);
  gtk_container_add(GTK_CONTAINER(thumb_frame), s->style_thumbnail);
  gimp_help_set_help_data(thumb_frame, _("A preview of the chosen style image."), nullptr);
  GtkWidget* thumb_box = gtk_vbox_new(FALSE, 0);
  gtk_box_pack_start(GTK_BOX(thumb_box), thumb_frame, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(hbox), thumb_box, FALSE, FALSE, 0);
  return framed(_("Style"), hbox);
}

GtkWidget* build_preset_section(DialogState* s) {
  GtkWidget* table = gtk_table_new(1, 3, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  GtkWidget* combo = add_combo(s, GTK_TABLE(table), 0, kPreset);
  // add_combo's handler would only store the number; choosing a preset sets the values too.
  g_signal_handlers_disconnect_by_func(combo, reinterpret_cast<gpointer>(on_choice_changed), s);
  g_signal_connect(combo, "changed", G_CALLBACK(on_preset_changed), s);
  return table;
}

GtkWidget* build_advanced_section(DialogState* s) {
  GtkWidget* expander = gtk_expander_new_with_mnemonic(_("_Advanced"));
  gimp_help_set_help_data(
      expander, _("Smoothness, pyramid, step size and the network layers used."), nullptr);
  GtkWidget* vbox = gtk_vbox_new(FALSE, 6);
  gtk_container_set_border_width(GTK_CONTAINER(vbox), 6);
  GtkWidget* table = gtk_table_new(6, 3, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  gtk_table_set_row_spacings(GTK_TABLE(table), 4);
  int row = 0;
  for (ParamId id : {kTvWeight, kScales, kLearningRate}) add_scale(s, GTK_TABLE(table), row++, id);
  add_entry(s, GTK_TABLE(table), row++, kContentLayer);
  add_entry(s, GTK_TABLE(table), row++, kStyleLayers);
  gtk_box_pack_start(GTK_BOX(vbox), table, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(vbox),
                     small_label(_("Layers are relu1_1 … relu5_4. Leave both empty for the "
                                   "automatic set (style relu1_1 … relu5_1 at 0.2 each, "
                                   "content relu4_2).")),
                     FALSE, FALSE, 0);
  add_toggle(s, GTK_BOX(vbox), kRawWeights);
  gtk_container_add(GTK_CONTAINER(expander), vbox);
  gtk_expander_set_expanded(GTK_EXPANDER(expander), FALSE);
  return expander;
}

GtkWidget* build_settings_section(DialogState* s) {
  GtkWidget* vbox = gtk_vbox_new(FALSE, 6);
  // One table for sliders and choices, so that all labels line up in one column.
  GtkWidget* table = gtk_table_new(9, 3, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  gtk_table_set_row_spacings(GTK_TABLE(table), 4);
  int row = 0;
  for (ParamId id : {kContentWeight, kStyleWeight, kIterations, kMaxSize})
    add_scale(s, GTK_TABLE(table), row++, id);
  add_combo(s, GTK_TABLE(table), row++, kOptimizer);
  add_combo(s, GTK_TABLE(table), row++, kInit);

  // Seed: a spin button and a button that draws a new one.
  GtkObject* seed_adj = gtk_adjustment_new(s->values.seed, 0, G_MAXINT32, 1, 100, 0);
  GtkWidget* seed_spin = gtk_spin_button_new(GTK_ADJUSTMENT(seed_adj), 1, 0);
  gtk_spin_button_set_numeric(GTK_SPIN_BUTTON(seed_spin), TRUE);
  g_object_set_data(G_OBJECT(seed_adj), "param-id", GINT_TO_POINTER(kSeed));
  g_signal_connect(seed_adj, "value-changed", G_CALLBACK(on_number_changed), s);
  s->adjustments[kSeed] = seed_adj;
  set_tooltip(seed_spin, kSeed);
  GtkWidget* seed_box = gtk_hbox_new(FALSE, 6);
  gtk_box_pack_start(GTK_BOX(seed_box), seed_spin, TRUE, TRUE, 0);
  GtkWidget* new_seed = gtk_button_new_with_mnemonic(_("New See_d"));
  gimp_help_set_help_data(new_seed, _("Draw a new random seed for a different variation."),
                          nullptr);
  g_signal_connect(new_seed, "clicked", G_CALLBACK(on_new_seed), s);
  gtk_box_pack_start(GTK_BOX(seed_box), new_seed, FALSE, FALSE, 0);
  gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, _(param_spec(kSeed).label), 0.0, 0.5,
                            seed_box, 2, FALSE);

  GtkWidget* device = add_combo(s, GTK_TABLE(table), row++, kDevice);
  gimp_int_combo_box_set_sensitivity(GIMP_INT_COMBO_BOX(device), device_sensitive, s, nullptr);
  gtk_box_pack_start(GTK_BOX(vbox), table, FALSE, FALSE, 0);
  if (!s->context.gpu_available) {
    if (s->values.device == kDeviceGpu)
      gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(device), kDeviceAuto);
    const std::string reason =
        format(_("GPU not available: %s"), s->context.gpu_unavailable_reason.c_str());
    gtk_box_pack_start(GTK_BOX(vbox), small_label(reason), FALSE, FALSE, 0);
  }
  if (!s->context.engine_text.empty()) {
    GtkWidget* engine = small_label(s->context.engine_text);
    gimp_help_set_help_data(engine, s->context.engine_path.c_str(), nullptr);
    gtk_box_pack_start(GTK_BOX(vbox), engine, FALSE, FALSE, 0);
  }
  gtk_box_pack_start(GTK_BOX(vbox), build_advanced_section(s), FALSE, FALSE, 0);
  return framed(_("Settings"), vbox);
}

GtkWidget* build_weights_section(DialogState* s) {
  GtkWidget* vbox = gtk_vbox_new(FALSE, 6);
  GtkWidget* hbox = gtk_hbox_new(FALSE, 6);
  s->weights_chooser =
      gtk_file_chooser_button_new(_("Choose VGG-19 Weights"), GTK_FILE_CHOOSER_ACTION_OPEN);
  GtkFileFilter* filter = gtk_file_filter_new();
  gtk_file_filter_set_name(filter, _("Model files (safetensors, PyTorch)"));
  gtk_file_filter_add_pattern(filter, "*.safetensors");
  gtk_file_filter_add_pattern(filter, "*.pth");
  gtk_file_filter_add_pattern(filter, "*.pt");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(s->weights_chooser), filter);
  if (!s->values.weights_file.empty())
    gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(s->weights_chooser),
                                  s->values.weights_file.c_str());
  set_tooltip(s->weights_chooser, kWeightsFile);
  g_signal_connect(s->weights_chooser, "file-set", G_CALLBACK(on_weights_changed), s);
  GtkWidget* label = gtk_label_new_with_mnemonic(_(param_spec(kWeightsFile).label));
  gtk_label_set_mnemonic_widget(GTK_LABEL(label), s->weights_chooser);
  gtk_box_pack_start(GTK_BOX(hbox), label, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(hbox), s->weights_chooser, TRUE, TRUE, 0);
  GtkWidget* use_default = gtk_button_new_with_mnemonic(_("Defa_ult"));
  gimp_help_set_help_data(
      use_default, _("Forget the chosen file and search the default model folders."), nullptr);
  g_signal_connect(use_default, "clicked", G_CALLBACK(on_weights_default), s);
  gtk_box_pack_start(GTK_BOX(hbox), use_default, FALSE, FALSE, 0);
#ifdef NEURAL_STYLE_HAVE_FETCH
  GtkWidget* download = gtk_button_new_with_mnemonic(_("_Download VGG-19 weights…"));
  gimp_help_set_help_data(download,
                          _("Download the ImageNet-trained VGG-19 (about 575 MB) from "
                            "torchvision's server, check it and install it in your model folder."),
                          nullptr);
  g_signal_connect(download, "clicked", G_CALLBACK(on_weights_download), s);
  gtk_box_pack_start(GTK_BOX(hbox), download, FALSE, FALSE, 0);
#endif
  gtk_box_pack_start(GTK_BOX(vbox), hbox, FALSE, FALSE, 0);

  s->weights_status = small_label("");
  gimp_help_set_help_data(s->weights_status,
                          _("Whether pretrained VGG-19 weights were found. Without them the "
                            "result comes from an untrained network and looks like noise."),
                          nullptr);
  gtk_box_pack_start(GTK_BOX(vbox), s->weights_status, FALSE, FALSE, 0);
  return framed(_("Model"), vbox);
}

// Shows `s->values` in every widget (after a preset or Reset).
void sync_widgets(DialogState* s) {
  s->syncing = true;
  for (const ParamSpec& spec : parameter_table()) {
    if (s->adjustments[spec.id])
      gtk_adjustment_set_value(GTK_ADJUSTMENT(s->adjustments[spec.id]),
                               get_number(s->values, spec.id));
    if (s->combos[spec.id])
      gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(s->combos[spec.id]),
                                    static_cast<gint>(get_number(s->values, spec.id)));
    if (s->toggles[spec.id])
      gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(s->toggles[spec.id]),
                                   get_number(s->values, spec.id) != 0);
    if (s->entries[spec.id])
      gtk_entry_set_text(GTK_ENTRY(s->entries[spec.id]), get_string(s->values, spec.id).c_str());
  }
  s->syncing = false;
  update_estimate(s);
}

void reset(DialogState* s) {
  // The style images are what Reset keeps: they are the input, not settings.
  Values defaults = default_values();
  for (ParamId id : kStyleFileIds) set_string(&defaults, id, get_string(s->values, id));
  defaults.style_drawables = s->values.style_drawables;
  defaults.style_regions = s->values.style_regions;
  defaults.weights_file = s->values.weights_file;
  s->values = defaults;
  s->syncing = true;
  for (GtkObject* adj : s->blend) gtk_adjustment_set_value(GTK_ADJUSTMENT(adj), 1.0);
  s->syncing = false;
  update_blend(s);
  sync_widgets(s);
  on_weights_default(nullptr, s);
}

}  // namespace

const char* dialog_title() {
  return _("Neural Style Transfer");
}

const char* run_window_title() {
  return _("Neural Style Transfer: running");
}

bool run_settings_dialog(Values* values, const DialogContext& context) {
  DialogState s;
  s.values = *values;
  s.context = context;
  // The dialog has one colour control: preserve-colors shows as its colour mode.
  s.values.color_mode = effective_color_mode(s.values);
  s.values.preserve_colors = false;
  s.values.preset = shown_preset(s.values);

  WidgetPtr dialog(gimp_dialog_new(dialog_title(), kBinaryName, nullptr, GtkDialogFlags(0),
                                   gimp_standard_help_func, kProcedureName, _("_Reset"),
                                   kResponseReset, GTK_STOCK_CANCEL, GTK_RESPONSE_CANCEL,
                                   GTK_STOCK_OK, GTK_RESPONSE_OK, nullptr));
  s.dialog = dialog.get();
  gtk_dialog_set_alternative_button_order(GTK_DIALOG(s.dialog), kResponseReset, GTK_RESPONSE_OK,
                                          GTK_RESPONSE_CANCEL, -1);
  gimp_window_set_transient(GTK_WINDOW(s.dialog));
  gimp_help_set_help_data(gtk_dialog_get_widget_for_response(GTK_DIALOG(s.dialog), kResponseReset),
                          _("Set every control except the style images back to its default."),
                          nullptr);

  GtkWidget* main_box = gtk_vbox_new(FALSE, 12);
  gtk_container_set_border_width(GTK_CONTAINER(main_box), 12);
  // The preview, when there is one, is a column to the right of the settings.
  GtkWidget* columns = gtk_hbox_new(FALSE, 0);
  gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(s.dialog))), columns, TRUE,
                     TRUE, 0);
  gtk_box_pack_start(GTK_BOX(columns), main_box, TRUE, TRUE, 0);
  std::unique_ptr<DialogPreview> preview;
  if (context.source) {
    preview = std::make_unique<DialogPreview>(context.engine, context.engine_load_error,
                                              *context.source);
    gtk_container_set_border_width(GTK_CONTAINER(preview->widget()), 12);
    gtk_box_pack_start(GTK_BOX(columns), preview->widget(), FALSE, FALSE, 0);
    s.preview = preview.get();
  }
  gtk_box_pack_start(GTK_BOX(main_box), build_preset_section(&s), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(main_box), build_style_section(&s), FALSE, FALSE, 0);
  s.style_sources = style_sources_table(&s.values, context.image, [&s] { update_blend(&s); });
  gtk_box_pack_start(GTK_BOX(main_box), style_sources_expander(s.style_sources, s.values), FALSE,
                     FALSE, 0);
  gtk_box_pack_start(GTK_BOX(main_box), build_settings_section(&s), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(main_box), build_weights_section(&s), FALSE, FALSE, 0);
  s.estimate = small_label("");
  gimp_help_set_help_data(s.estimate,
                          _("A rough estimate for the current layer (or selection) and settings, "
                            "assuming a typical machine."),
                          nullptr);
  gtk_box_pack_start(GTK_BOX(main_box), framed(_("Estimate"), s.estimate), FALSE, FALSE, 0);

  update_thumbnail(&s);
  update_weights_status(&s);
  update_estimate(&s);
  gtk_widget_show_all(s.dialog);

  gint response;
  for (;;) {
    response = gimp_dialog_run(GIMP_DIALOG(s.dialog));
    if (response == kResponseReset) {
      reset(&s);
      continue;
    }
    if (response != GTK_RESPONSE_OK) break;
    // A mistyped layer list or blend, or no style image, is said here, where it can still be
    // corrected.
    const std::string error = check_settings(clamped(s.values));
    if (error.empty()) break;
    GtkWidget* message =
        gtk_message_dialog_new(GTK_WINDOW(s.dialog), GTK_DIALOG_MODAL, GTK_MESSAGE_ERROR,
                               GTK_BUTTONS_CLOSE, "%s", error.c_str());
    gtk_dialog_run(GTK_DIALOG(message));
    gtk_widget_destroy(message);
  }
  // The run that follows OK must not share the processor with a preview.
  if (preview) preview->stop();
  const bool ok = response == GTK_RESPONSE_OK;
  if (ok) *values = clamped(s.values);
  return ok;
}

}  // namespace neural_style::plugin::ui
