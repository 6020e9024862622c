#include "ui/gimp3/style_sources.h"

#include <array>
#include <string>

#include "common/i18n.h"
#include "common/parameters.h"
#include "common/procedure_config.h"

namespace neural_style::plugin::ui {
namespace {

constexpr int kRegionThumbnail = 40;

// Lives as long as the dialog (freed with the expander); the config outlives both, so its
// handlers are disconnected then too.
struct Rows {
  GimpProcedureConfig* config = nullptr;
  std::array<GtkWidget*, kStyleSlots> regions{};
  std::array<GtkWidget*, kStyleSlots> thumbnails{};
  gulong notify = 0;
  bool syncing = false;
};

void show_thumbnail(Rows* rows, int slot, int region) {
  GtkImage* image = GTK_IMAGE(rows->thumbnails[slot]);
  GimpItem* item = region == kNoItem ? nullptr : gimp_item_get_by_id(region);
  GdkPixbuf* pixbuf = item && GIMP_IS_DRAWABLE(item)
                          ? gimp_drawable_get_thumbnail(GIMP_DRAWABLE(item), kRegionThumbnail,
                                                        kRegionThumbnail, GIMP_PIXBUF_KEEP_ALPHA)
                          : nullptr;
  if (pixbuf) {
    gtk_image_set_from_pixbuf(image, pixbuf);
    g_object_unref(pixbuf);
  } else {
    gtk_image_clear(image);
  }
}

// The combos follow the config (Reset, Load Saved Settings); a region the combo does not offer
// (a channel of another image) shows as none, which is what a run would make of it.
void show_regions(Rows* rows) {
  const Values values = gimp3::values_from_config(rows->config);
  rows->syncing = true;
  for (int slot = 0; slot < kStyleSlots; ++slot) {
    GimpIntComboBox* combo = GIMP_INT_COMBO_BOX(rows->regions[slot]);
    if (!gimp_int_combo_box_set_active(combo, values.style_regions[slot]))
      gimp_int_combo_box_set_active(combo, kNoItem);
    show_thumbnail(rows, slot, values.style_regions[slot]);
  }
  rows->syncing = false;
}

void on_region_changed(GtkWidget* combo, gpointer data) {
  auto* rows = static_cast<Rows*>(data);
  if (rows->syncing) return;
  const int slot = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(combo), "slot"));
  gint id = kNoItem;
  if (!gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &id)) id = kNoItem;
  gimp3::set_item(rows->config, kStyleRegionIds[slot], id);
}

void on_config_notify(GObject*, GParamSpec* pspec, gpointer data) {
  auto* rows = static_cast<Rows*>(data);
  if (rows->syncing) return;
  const char* name = g_param_spec_get_name(pspec);
  for (ParamId id : kStyleRegionIds)
    if (g_strcmp0(name, param_spec(id).name) == 0) return show_regions(rows);
}

void free_rows(gpointer data) {
  auto* rows = static_cast<Rows*>(data);
  g_signal_handler_disconnect(rows->config, rows->notify);
  delete rows;
}

#if !GIMP_CHECK_VERSION(3, 1, 0)
// GIMP 3.0's layer chooser draws its thumbnail when its layer is set, which for a layer already
// in the config is before the chooser has a size: it stays empty. Setting the same layer again
// once the chooser has its size draws it.
void redraw_chooser(GtkWidget* chooser, GdkRectangle*, gpointer) {
  auto* c = GIMP_DRAWABLE_CHOOSER(chooser);
  if (GimpDrawable* drawable = gimp_drawable_chooser_get_drawable(c))
    gimp_drawable_chooser_set_drawable(c, drawable);
}
#endif

GtkWidget* region_combo(GimpImage* image, int slot) {
  GtkWidget* combo =
      gimp_int_combo_box_new(_("Everywhere"), kNoItem, _("The selection"),
                             gimp_item_get_id(GIMP_ITEM(gimp_image_get_selection(image))), nullptr);
  GimpChannel** channels = gimp_image_get_channels(image);
  for (GimpChannel** c = channels; c && *c; ++c) {
    gchar* name = gimp_item_get_name(GIMP_ITEM(*c));
    gimp_int_combo_box_append(GIMP_INT_COMBO_BOX(combo), GIMP_INT_STORE_VALUE,
                              gimp_item_get_id(GIMP_ITEM(*c)), GIMP_INT_STORE_LABEL, name, -1);
    g_free(name);
  }
  g_free(channels);
  gtk_widget_set_tooltip_text(combo, _(param_spec(kStyleRegionIds[slot]).tooltip));
  g_object_set_data(G_OBJECT(combo), "slot", GINT_TO_POINTER(slot));
  return combo;
}

}  // namespace

const char* build_style_sources(GimpProcedureDialog* dialog, GimpProcedureConfig* config,
                                GimpImage* image) {
  auto* rows = new Rows;
  rows->config = config;
  static const char* const row_ids[kStyleSlots] = {"sources-row-1", "sources-row-2",
                                                   "sources-row-3", "sources-row-4"};
  static const char* const label_ids[kStyleSlots] = {"sources-label-1", "sources-label-2",
                                                     "sources-label-3", "sources-label-4"};
  for (int slot = 0; slot < kStyleSlots; ++slot) {
    gimp_procedure_dialog_get_label(dialog, label_ids[slot], _("Paints where"), FALSE, FALSE);
    GtkWidget* row = gimp_procedure_dialog_fill_box(
        dialog, row_ids[slot], param_spec(kStyleDrawableIds[slot]).name, label_ids[slot], nullptr);
    gtk_orientable_set_orientation(GTK_ORIENTABLE(row), GTK_ORIENTATION_HORIZONTAL);
    gtk_box_set_spacing(GTK_BOX(row), 6);
#if !GIMP_CHECK_VERSION(3, 1, 0)
    GtkWidget* chooser = gimp_procedure_dialog_get_widget(
        dialog, param_spec(kStyleDrawableIds[slot]).name, G_TYPE_NONE);
    if (chooser && GIMP_IS_DRAWABLE_CHOOSER(chooser))
      g_signal_connect(chooser, "size-allocate", G_CALLBACK(redraw_chooser), nullptr);
#endif
    rows->regions[slot] = region_combo(image, slot);
    rows->thumbnails[slot] = gtk_image_new();
    gtk_widget_set_size_request(rows->thumbnails[slot], kRegionThumbnail, kRegionThumbnail);
    gtk_widget_set_tooltip_text(rows->thumbnails[slot], _("The chosen region: white paints."));
    gtk_box_pack_end(GTK_BOX(row), rows->thumbnails[slot], FALSE, FALSE, 0);
    gtk_box_pack_end(GTK_BOX(row), rows->regions[slot], FALSE, FALSE, 0);
    gtk_widget_show(rows->regions[slot]);
    gtk_widget_show(rows->thumbnails[slot]);
  }
  show_regions(rows);
  for (GtkWidget* combo : rows->regions)
    g_signal_connect(combo, "changed", G_CALLBACK(on_region_changed), rows);
  rows->notify = g_signal_connect(config, "notify", G_CALLBACK(on_config_notify), rows);

  gimp_procedure_dialog_fill_box(dialog, "sources-box", row_ids[0], row_ids[1], row_ids[2],
                                 row_ids[3], nullptr);
  gimp_procedure_dialog_get_label(dialog, "sources-title",
                                  _("Layers of open images as styles, and regions"), TRUE, FALSE);
  GtkWidget* expander =
      gimp_procedure_dialog_fill_expander(dialog, "sources", "sources-title", FALSE, "sources-box");
  g_object_set_data_full(G_OBJECT(expander), "style-sources", rows, free_rows);
  const Values values = gimp3::values_from_config(config);
  bool used = false;
  for (int slot = 0; slot < kStyleSlots; ++slot)
    used = used || values.style_drawables[slot] != kNoItem || values.style_regions[slot] != kNoItem;
  gtk_expander_set_expanded(GTK_EXPANDER(expander), used);
  return "sources";
}

}  // namespace neural_style::plugin::ui
