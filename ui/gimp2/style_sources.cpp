#include "ui/gimp2/style_sources.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <array>
#include <utility>

#include "common/i18n.h"

namespace neural_style::plugin::ui {
namespace {

constexpr int kRegionThumbnail = 40;

struct Rows {
  Values* values = nullptr;
  gint32 image = -1;
  std::function<void()> changed;
  std::array<GtkWidget*, kStyleSlots> layers{};
  std::array<GtkWidget*, kStyleSlots> regions{};
  std::array<GtkWidget*, kStyleSlots> thumbnails{};
  bool syncing = false;
};

// Regions are the filtered image's own channels (saved selections); its selection is offered as
// an entry of its own.
gboolean channel_of_image(gint32 image, gint32 /*item*/, gpointer data) {
  return image == *static_cast<gint32*>(data);
}

void show_thumbnail(Rows* rows, int slot) {
  GtkImage* image = GTK_IMAGE(rows->thumbnails[slot]);
  const int region = rows->values->style_regions[slot];
  GdkPixbuf* pixbuf = region != kNoItem && gimp_item_is_valid(region)
                          ? gimp_drawable_get_thumbnail(region, kRegionThumbnail, kRegionThumbnail,
                                                        GIMP_PIXBUF_KEEP_ALPHA)
                          : nullptr;
  if (pixbuf) {
    gtk_image_set_from_pixbuf(image, pixbuf);
    g_object_unref(pixbuf);
  } else {
    gtk_image_clear(image);
  }
}

int slot_of(GtkWidget* widget) {
  return GPOINTER_TO_INT(g_object_get_data(G_OBJECT(widget), "slot"));
}

void on_layer_changed(GtkWidget* combo, gpointer data) {
  auto* rows = static_cast<Rows*>(data);
  if (rows->syncing) return;
  gint id = kNoItem;
  if (!gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &id)) id = kNoItem;
  rows->values->style_drawables[slot_of(combo)] = id;
  rows->changed();
}

void on_region_changed(GtkWidget* combo, gpointer data) {
  auto* rows = static_cast<Rows*>(data);
  if (rows->syncing) return;
  const int slot = slot_of(combo);
  gint id = kNoItem;
  if (!gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &id)) id = kNoItem;
  rows->values->style_regions[slot] = id;
  show_thumbnail(rows, slot);
  rows->changed();
}

void show_values(Rows* rows) {
  rows->syncing = true;
  for (int slot = 0; slot < kStyleSlots; ++slot) {
    gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(rows->layers[slot]),
                                  rows->values->style_drawables[slot]);
    gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(rows->regions[slot]),
                                  rows->values->style_regions[slot]);
    show_thumbnail(rows, slot);
  }
  rows->syncing = false;
}

}  // namespace

GtkWidget* style_sources_table(Values* values, gint32 image, std::function<void()> changed) {
  auto* rows = new Rows;
  rows->values = values;
  rows->image = image;
  rows->changed = std::move(changed);

  GtkWidget* table = gtk_table_new(kStyleSlots + 1, 4, FALSE);
  gtk_table_set_col_spacings(GTK_TABLE(table), 6);
  gtk_table_set_row_spacings(GTK_TABLE(table), 4);
  g_object_set_data_full(G_OBJECT(table), "style-sources", rows,
                         [](gpointer p) { delete static_cast<Rows*>(p); });
  GtkWidget* layer_title = gtk_label_new(_("Instead of the file, a layer"));
  gtk_misc_set_alignment(GTK_MISC(layer_title), 0.0, 0.5);
  gtk_table_attach(GTK_TABLE(table), layer_title, 1, 2, 0, 1, GTK_FILL, GTK_FILL, 0, 0);
  GtkWidget* region_title = gtk_label_new(_("Paints where"));
  gtk_misc_set_alignment(GTK_MISC(region_title), 0.0, 0.5);
  gtk_table_attach(GTK_TABLE(table), region_title, 2, 4, 0, 1, GTK_FILL, GTK_FILL, 0, 0);

  for (int slot = 0; slot < kStyleSlots; ++slot) {
    const ParamSpec& layer_spec = param_spec(kStyleDrawableIds[slot]);
    GtkWidget* layer = gimp_layer_combo_box_new(nullptr, nullptr);
    gimp_int_combo_box_prepend(GIMP_INT_COMBO_BOX(layer), GIMP_INT_STORE_VALUE, kNoItem,
                               GIMP_INT_STORE_LABEL, _("None: the file"), -1);
    gimp_help_set_help_data(layer, _(layer_spec.tooltip), nullptr);
    g_object_set_data(G_OBJECT(layer), "slot", GINT_TO_POINTER(slot));
    rows->layers[slot] = layer;

    const ParamSpec& region_spec = param_spec(kStyleRegionIds[slot]);
    GtkWidget* region = gimp_channel_combo_box_new(channel_of_image, &rows->image);
    gimp_int_combo_box_prepend(GIMP_INT_COMBO_BOX(region), GIMP_INT_STORE_VALUE,
                               gimp_image_get_selection(image), GIMP_INT_STORE_LABEL,
                               _("The selection"), -1);
    gimp_int_combo_box_prepend(GIMP_INT_COMBO_BOX(region), GIMP_INT_STORE_VALUE, kNoItem,
                               GIMP_INT_STORE_LABEL, _("Everywhere"), -1);
    gimp_help_set_help_data(region, _(region_spec.tooltip), nullptr);
    g_object_set_data(G_OBJECT(region), "slot", GINT_TO_POINTER(slot));
    rows->regions[slot] = region;

    GtkWidget* frame = gtk_frame_new(nullptr);
    gtk_frame_set_shadow_type(GTK_FRAME(frame), GTK_SHADOW_IN);
    rows->thumbnails[slot] = gtk_image_new();
    gtk_widget_set_size_request(rows->thumbnails[slot], kRegionThumbnail, kRegionThumbnail);
    gtk_container_add(GTK_CONTAINER(frame), rows->thumbnails[slot]);
    gimp_help_set_help_data(frame, _("The chosen region: white paints."), nullptr);

    GtkWidget* label = gtk_label_new_with_mnemonic(_(layer_spec.label));
    gtk_misc_set_alignment(GTK_MISC(label), 0.0, 0.5);
    gtk_label_set_mnemonic_widget(GTK_LABEL(label), layer);
    gtk_table_attach(GTK_TABLE(table), label, 0, 1, slot + 1, slot + 2, GTK_FILL, GTK_FILL, 0, 0);
    gtk_table_attach(GTK_TABLE(table), layer, 1, 2, slot + 1, slot + 2,
                     GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
    gtk_table_attach(GTK_TABLE(table), region, 2, 3, slot + 1, slot + 2,
                     GtkAttachOptions(GTK_EXPAND | GTK_FILL), GTK_FILL, 0, 0);
    gtk_table_attach(GTK_TABLE(table), frame, 3, 4, slot + 1, slot + 2, GTK_FILL, GTK_FILL, 0, 0);
  }
  show_values(rows);
  for (int slot = 0; slot < kStyleSlots; ++slot) {
    g_signal_connect(rows->layers[slot], "changed", G_CALLBACK(on_layer_changed), rows);
    g_signal_connect(rows->regions[slot], "changed", G_CALLBACK(on_region_changed), rows);
  }
  return table;
}

GtkWidget* style_sources_expander(GtkWidget* table, const Values& values) {
  // No mnemonic: the dialog's other controls leave no letter of the title free.
  GtkWidget* expander = gtk_expander_new(_("Layers of open images as styles, and regions"));
  GtkWidget* label = gtk_expander_get_label_widget(GTK_EXPANDER(expander));
  gimp_label_set_attributes(GTK_LABEL(label), PANGO_ATTR_WEIGHT, PANGO_WEIGHT_BOLD, -1);
  GtkWidget* align = gtk_alignment_new(0.0, 0.0, 1.0, 1.0);
  gtk_alignment_set_padding(GTK_ALIGNMENT(align), 6, 0, 12, 0);
  gtk_container_add(GTK_CONTAINER(align), table);
  gtk_container_add(GTK_CONTAINER(expander), align);
  bool used = false;
  for (int slot = 0; slot < kStyleSlots; ++slot)
    used = used || values.style_drawables[slot] != kNoItem || values.style_regions[slot] != kNoItem;
  gtk_expander_set_expanded(GTK_EXPANDER(expander), used);
  return expander;
}

}  // namespace neural_style::plugin::ui
