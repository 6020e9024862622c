// The GIMP 3 side of the parameter table: PDB arguments registered from it, and a run's
// Values read back from the GimpProcedureConfig that holds them.
//
// GIMP 3 stores "last values" itself, keyed by the argument names, so the table's names are all
// the settings format there is on this API (GIMP 2 needs serialize_values() instead).
#pragma once

#include <libgimp/gimp.h>

#include "common/parameters.h"

namespace neural_style::plugin::gimp3 {

// Adds one PDB argument per row of parameter_table(), in table order. Choice rows become
// GimpChoice arguments with stable script-facing nicks ("adam", "lbfgs", ...); File rows are
// GFile arguments, String rows plain strings.
void add_arguments(GimpProcedure* procedure);

// The values currently in `config`, clamped into the table's ranges.
Values values_from_config(GimpProcedureConfig* config);

// Sets a Drawable or Channel row to the item with this ID (kNoItem: none).
void set_item(GimpProcedureConfig* config, ParamId id, int item_id);

// The script-facing nick of a Choice row's value, e.g. choice_nick(kDevice, kDeviceGpu) == "gpu".
const char* choice_nick(ParamId id, int value);

}  // namespace neural_style::plugin::gimp3
