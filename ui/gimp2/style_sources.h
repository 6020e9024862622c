// The GIMP 2 dialog's rows for styles taken from open images and their regions: per style slot,
// a layer of any open image to use instead of the file, and the part of the filtered image the
// style paints (none, the selection, or a channel of that image) with a thumbnail of it.
#pragma once

#include <gtk/gtk.h>

#include <functional>

#include "common/parameters.h"

namespace neural_style::plugin::ui {

// A table of the rows, bound to *values (which must outlive the widget); `changed` runs after
// each edit. `image` is the filtered image, whose selection and channels are the regions.
GtkWidget* style_sources_table(Values* values, gint32 image, std::function<void()> changed);

// The table in an expander, open when `values` use a layer or a region (the dialog is tall
// enough without it for the common case of style files alone).
GtkWidget* style_sources_expander(GtkWidget* table, const Values& values);

}  // namespace neural_style::plugin::ui
