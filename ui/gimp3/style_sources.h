// The GIMP 3 dialog's rows for styles taken from open images and their regions: per style slot,
// the style-drawable argument's layer chooser (with GIMP's own thumbnail) and a region combo
// (everywhere, the selection, or a channel of the filtered image) with a thumbnail of the region.
#pragma once

#include <libgimp/gimpui.h>

namespace neural_style::plugin::ui {

// Builds the rows in `dialog`, bound to `config`, in an expander that is open when the config
// uses a layer or a region. Returns the expander's id for gimp_procedure_dialog_fill(). `image`
// is the filtered image, whose selection and channels are the regions.
const char* build_style_sources(GimpProcedureDialog* dialog, GimpProcedureConfig* config,
                                GimpImage* image);

}  // namespace neural_style::plugin::ui
