// The plug-in's parameter table: one row per PDB argument after run-mode, image and drawable.
//
// This table is the single description of the plug-in's knobs. Both GIMP adapters register
// their PDB arguments from it, both dialogs take ranges, labels and tooltips from it, and the
// saved "last values" are keyed by its names. Defaults and ranges come from the engine's
// default_params()/limits(), so they cannot drift from the CLI.
//
// The order of the rows is the PDB argument order and is stable: new rows go at the end.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style::plugin {

constexpr const char* kProcedureName = "plug-in-neural-style";
constexpr const char* kBinaryName = "gimp-neural-style";
constexpr const char* kMenuPath = "<Image>/Filters/Artistic";
constexpr const char* kImageTypes = "RGB*, GRAY*";
// Bumped when the meaning of a saved value changes; older saved values are then ignored.
// Adding rows does not change the meaning of the saved ones (missing names keep their
// defaults), so the style-control rows kept version 1.
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
  // Style controls. Script-Fu on GIMP 2 insists on every argument, so scripts for the
  // first version must append these; GIMP 3 fills in the defaults of arguments left out.
  kStyleFile2,
  kStyleFile3,
  kStyleFile4,
  kStyleBlend,
  kStyleScale,
  kColorMode,
  kPreset,
  kContentLayer,
  kStyleLayers,
  kScales,
  kLearningRate,
  kRawWeights,
  // Styles taken from open images, and regions. Item IDs (-1 = none); GIMP 2 scripts written
  // for the style controls must append these too.
  kStyleDrawable,
  kStyleDrawable2,
  kStyleDrawable3,
  kStyleDrawable4,
  kStyleRegion,
  kStyleRegion2,
  kStyleRegion3,
  kStyleRegion4,
  kParamCount
};

// The rows of the first version, which GIMP 2 still accepts alone (see values_from_args).
constexpr int kFirstVersionParamCount = kStyleFile2;
// Style images a run takes: style-file and style-file-2 .. style-file-4.
constexpr int kStyleSlots = 4;
constexpr ParamId kStyleFileIds[kStyleSlots] = {kStyleFile, kStyleFile2, kStyleFile3, kStyleFile4};
// A slot's drawable (a layer of any open image) wins over its file; see style_slots().
constexpr ParamId kStyleDrawableIds[kStyleSlots] = {kStyleDrawable, kStyleDrawable2,
                                                    kStyleDrawable3, kStyleDrawable4};
// A slot's region: a channel of the content image (the selection channel included).
constexpr ParamId kStyleRegionIds[kStyleSlots] = {kStyleRegion, kStyleRegion2, kStyleRegion3,
                                                  kStyleRegion4};
// No drawable, no channel.
constexpr int kNoItem = -1;

// File rows are strings on GIMP 2 and GFile arguments on GIMP 3; String rows are plain text.
// Drawable and Channel rows hold item IDs (kNoItem = none): IDs on GIMP 2's PDB, objects on
// GIMP 3's, whose items have the same IDs (gimp_item_get_id()).
enum class ParamType { String, File, Float, Int, Choice, Boolean, Drawable, Channel };
inline bool is_item(ParamType t) {
  return t == ParamType::Drawable || t == ParamType::Channel;
}
inline bool is_text(ParamType t) {
  return t == ParamType::String || t == ParamType::File;
}

// PDB values of the Choice rows. They are part of the public interface (scripts pass them).
enum OptimizerChoice : int { kOptimizerAdam = 0, kOptimizerLbfgs = 1 };
enum InitChoice : int { kInitContent = 0, kInitNoise = 1 };
enum DeviceChoice : int { kDeviceAuto = 0, kDeviceCpu = 1, kDeviceGpu = 2 };
enum ColorModeChoice : int { kColorNone = 0, kColorLuminance = 1, kColorTransfer = 2 };
// kPresetCustom = no preset; 1.. = the engine's presets by name (preset_name()).
enum PresetChoice : int {
  kPresetCustom = 0,
  kPresetFastPreview = 1,
  kPresetBalanced = 2,
  kPresetHighQuality = 3,
  kPresetSeedRecipe = 4,
};

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
  std::string style_file_2;  // "" = unused slot; used slots need not be consecutive
  std::string style_file_3;
  std::string style_file_4;
  std::string style_blend;  // "W,W,..." one weight per used style file, "" = equal weights
  double style_scale = 1;
  int color_mode = kColorNone;  // see effective_color_mode() for preserve-colors
  int preset = kPresetCustom;   // see with_preset()
  std::string content_layer;    // "" = from the layer set (see to_engine_params())
  std::string style_layers;     // "relu1_1:0.2,...", "" = from the layer set
  int scales = 1;
  double learning_rate = 0;  // 0 = the optimiser's own default
  bool raw_weights = false;
  std::array<int, kStyleSlots> style_drawables = {kNoItem, kNoItem, kNoItem, kNoItem};
  std::array<int, kStyleSlots> style_regions = {kNoItem, kNoItem, kNoItem, kNoItem};
};

Values default_values();

// The used style slots, in slot order: those with a drawable or a file. A slot with both uses
// the drawable. A region on an unused slot is ignored.
std::vector<int> style_slots(const Values& values);
bool slot_used(const Values& values, int slot);
// The style files of a run: the files of the used slots without a drawable, in slot order.
std::vector<std::string> style_files(const Values& values);
// `values` without any item ID: for "last values" kept beyond the GIMP session, where IDs would
// name other items.
Values without_items(Values values);

// Parses a style-blend text ("1,0.5", spaces allowed, always with a '.' decimal point) into
// weights; "" gives an empty list (equal weights). False with a translated *error otherwise.
bool parse_blend(const std::string& text, std::vector<double>* out, std::string* error);
// The text for `weights`, "" when they are all equal (the same run as equal weights).
std::string format_blend(const std::vector<double>& weights);
// The blend weight of each style slot, for the dialogs' weight fields: the weights as given,
// spread over the used slots (style_slots()); 1 everywhere else (and everywhere when the text does
// not fit the files, which check_ranges() reports).
std::array<double, kStyleSlots> blend_per_slot(const Values& values);

// The colour handling of a run: color-mode when it is not "none", else "luminance" when the
// older preserve-colors switch is on, else none. So old scripts that set only preserve-colors
// keep working, and color-mode wins wherever the two disagree.
int effective_color_mode(const Values& values);

// Presets: the PDB value of each preset and its engine name ("fast-preview", ...); "" for
// kPresetCustom or an unknown value.
const char* preset_name(int preset);
// The rows a preset sets (its "recipe"): the optimisation's weights, sizes, optimiser and
// layers. Everything else (style files, colour handling, seed, device, weights file) is left
// as given.
const std::vector<ParamId>& preset_rows();
// `values` with the recipe rows replaced by the preset's values (the engine's apply_preset()
// on the defaults). Values with kPresetCustom come back unchanged. A run uses exactly this:
// with a preset other than custom, the arguments in preset_rows() are ignored.
Values with_preset(Values values, int preset);
// Whether the recipe rows of `values` are those of `preset` (for the dialogs' preset combo).
bool matches_preset(const Values& values, int preset);
// The preset a dialog's combo should show for `values`: values.preset while it still describes
// them, else the first preset that does (the defaults are "balanced"), else kPresetCustom.
// Equivalent for a run: a matching preset sets exactly the rows already there.
int shown_preset(const Values& values);

// Generic access for code that walks the table (registration, dialogs, settings).
double get_number(const Values& values, ParamId id);
void set_number(Values* values, ParamId id, double value);  // rounds Int/Choice/Boolean rows
const std::string& get_string(const Values& values, ParamId id);
void set_string(Values* values, ParamId id, std::string value);

// Clamps every numeric row into its range (what a dialog or stale settings could get wrong).
Values clamped(Values values);

// Returns "" when the values are acceptable, else a translated message naming the argument.
// Checks the PDB ranges and the text rows (style-blend against the style files given, layer
// names) of the values a run uses, so the rows a preset replaces are not checked; validate() of
// the engine checks the rest.
std::string check_ranges(const Values& values);

// The engine parameters for these values, the preset applied (with_preset()). `weights_file`
// is used as given: resolve "" with resolve_weights_file() (weights.h) first. Layers: both
// content-layer and style-layers "" = the automatic layer set; either given = a custom set whose
// other half is the deep set's (relu4_2, or relu1_1 .. relu5_1 at 0.2). Honours
// NEURAL_STYLE_TEST_WIDTH_DIVISOR, a test hook that narrows the random-weight network so that GIMP
// tests run in a second or two.
neural_style::Params to_engine_params(const Values& values);

// "Last values" as a versioned text blob (name=value lines), for gimp_set_data() on GIMP 2.
// parse_values() starts from `fallback` and ignores unknown names and other versions, so old
// settings never break a newer plug-in.
std::string serialize_values(const Values& values);
Values parse_values(const std::string& text, const Values& fallback);

}  // namespace neural_style::plugin
