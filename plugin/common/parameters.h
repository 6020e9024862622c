// The plug-in's parameter table: one row per PDB argument after run-mode, image and drawable.
//
// This table is the single description of the plug-in's knobs. Both GIMP adapters register
// their PDB arguments from it, both dialogs take ranges, labels and tooltips from it, and the
// saved "last values" are keyed by its names. Defaults and ranges come from the engine's
// default_params()/limits(), so they cannot drift from the CLI.
//
// The order of the rows is the PDB argument order and is stable: new rows go at the end.
#pragma once

#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style::plugin {

constexpr const char* kProcedureName = "plug-in-neural-style";
constexpr const char* kBinaryName = "gimp-neural-style";
constexpr const char* kMenuPath = "<Image>/Filters/Artistic";
constexpr const char* kImageTypes = "RGB*, GRAY*";
// Bumped when the meaning of a saved value changes; older saved values are then ignored.
constexpr int kValuesVersion = 1;

enum ParamId : int {
  kStyleFile,
  kContentWeight,
  kStyleWeight,
  kTvWeight,
  kIterations,
  kMaxSize,
  kOptimizer,
  kInit,
  kPreserveColors,
  kSeed,
  kDevice,
  kWeightsFile,
  kParamCount
};

enum class ParamType { String, Float, Int, Choice, Boolean };

// PDB values of the Choice rows. They are part of the public interface (scripts pass them).
enum OptimizerChoice : int { kOptimizerAdam = 0, kOptimizerLbfgs = 1 };
enum InitChoice : int { kInitContent = 0, kInitNoise = 1 };
enum DeviceChoice : int { kDeviceAuto = 0, kDeviceCpu = 1, kDeviceGpu = 2 };

struct ParamSpec {
  ParamId id;
  const char* name;  // PDB and settings name, e.g. "content-weight"
  ParamType type;
  double min = 0;  // numeric rows; Choice and Boolean rows too (0 .. n-1)
  double max = 0;
  double default_number = 0;
  double soft_min = 0;  // a dialog's slider range for Int and Float rows; spin buttons still
  double soft_max = 0;  // take min .. max
  std::string default_string;
  const char* label = "";            // marked with N_(); translate with _() when shown
  const char* tooltip = "";          // marked with N_(); also the PDB description
  std::vector<const char*> choices;  // Choice rows: N_() labels, index = PDB value
  int digits = 0;                    // decimals shown by a dialog for Float rows
  bool logarithmic = false;          // Float rows whose useful range spans decades
};

// All rows, indexed by ParamId.
const std::vector<ParamSpec>& parameter_table();
const ParamSpec& param_spec(ParamId id);

// The values of one run, as the PDB sees them.
struct Values {
  std::string style_file;
  double content_weight = 0;
  double style_weight = 0;
  double tv_weight = 0;
  int iterations = 0;
  int max_size = 0;  // 0 = the layer's (or selection's) own size
  int optimizer = kOptimizerAdam;
  int init = kInitContent;
  bool preserve_colors = false;
  int seed = 0;
  int device = kDeviceAuto;
  std::string weights_file;  // "" = search the default model folders
};

Values default_values();

// Generic access for code that walks the table (registration, dialogs, settings).
double get_number(const Values& values, ParamId id);
void set_number(Values* values, ParamId id, double value);  // rounds Int/Choice/Boolean rows
const std::string& get_string(const Values& values, ParamId id);
void set_string(Values* values, ParamId id, std::string value);

// Clamps every numeric row into its range (what a dialog or stale settings could get wrong).
Values clamped(Values values);

// Returns "" when the values are acceptable, else a translated message naming the argument.
// Checks the PDB ranges only; validate() of the engine checks the rest.
std::string check_ranges(const Values& values);

// The engine parameters for these values. `weights_file` is used as given: resolve "" with
// resolve_weights_file() (weights.h) first. Honours NEURAL_STYLE_TEST_WIDTH_DIVISOR, a test
// hook that narrows the random-weight network so that GIMP tests run in a second or two.
neural_style::Params to_engine_params(const Values& values);

// "Last values" as a versioned text blob (name=value lines), for gimp_set_data() on GIMP 2.
// parse_values() starts from `fallback` and ignores unknown names and other versions, so old
// settings never break a newer plug-in.
std::string serialize_values(const Values& values);
Values parse_values(const std::string& text, const Values& fallback);

}  // namespace neural_style::plugin
