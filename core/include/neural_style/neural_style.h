// Public interface of the gimp-neural-style engine.
//
// This header is deliberately free of LibTorch: the CLI, both GIMP adapters and the dialogs
// include it and must compile quickly and without torch headers. Everything crossing this
// boundary is a plain struct; errors come back as a Status, never as an exception.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "neural_style/status.h"

namespace neural_style {

// An image as the engine sees it: interleaved RGB, 32-bit float, nominally in [0, 1].
struct Image {
  int width = 0;
  int height = 0;
  std::vector<float> rgb;  // width * height * 3 values, row-major, RGBRGB...

  bool empty() const { return width <= 0 || height <= 0; }
  std::size_t pixel_count() const {
    return static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  }
  static Image zeros(int width, int height);
};

// A weight map over an image, row-major: 1 where something applies, 0 where it does not, soft
// in between (values outside [0, 1] are clamped).
struct Mask {
  int width = 0;
  int height = 0;
  std::vector<float> values;  // width * height

  bool empty() const { return width <= 0 || height <= 0; }
};

enum class Optimizer { Adam, LBFGS };
enum class InitMode { Content, Noise, Image };
enum class Device { Auto, CPU, CUDA };

// Which layers a run uses.
enum class LayerSet {
  Auto,     // Deep when the network reaches relu5_1, else Shallow, with a notice
  Deep,     // style relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 at 0.2; content relu4_2
  Shallow,  // style relu1_1, relu2_1, relu3_1 at 1/3; content relu3_2 (needs conv1_1..conv3_2)
  Custom,   // content_layer and style_layers as given
};

// Colour handling. The engine applies it, so the CLI and both plug-ins agree.
enum class ColorPreservation {
  None,
  Luminance,      // post-step: the result's luminance with the content's chroma
  ColorTransfer,  // pre-step: the style images recoloured to the content's colour statistics
};

// Arithmetic precision of the optimisation. Float32 is exact and the default; the
// others are opt-in and used only where the hardware has them (else a notice and Float32).
enum class Precision { Float32, BFloat16, TF32 };

struct LayerWeight {
  std::string layer;  // a ReLU tap name such as "relu3_1"
  double weight = 0.0;
};

constexpr double kAdamLearningRate = 0.02;
constexpr double kLbfgsLearningRate = 1.0;

// Every knob of a run. default_params() is the single source of the defaults; the CLI, the
// plug-ins and the docs derive theirs from it.
struct Params {
  // J = content_weight * J_content + style_weight * J_style + tv_weight * J_tv
  //
  // With normalize_weights (the default) the weights are relative: the content term is divided
  // by Σa_C² and each style layer's term by Σ G_S² (the targets' squared norms at each scale), so
  // that a weight means the same for a pretrained or random network, Caffe or torchvision input
  // and any image size. Without it they are Gatys et al.'s raw α and β (as the seed-recipe preset
  // uses them).
  // Progress reports the effective weights either way.
  bool normalize_weights = true;
  double content_weight = 0.0;
  double style_weight = 0.0;
  double tv_weight = 0.0;

  int iterations = 0;  // optimiser steps at each scale
  Optimizer optimizer = Optimizer::Adam;
  // Adam's step size in [0,1] pixel units, or L-BFGS's step length; 0 = the optimiser's own
  // default (kAdamLearningRate, kLbfgsLearningRate).
  double learning_rate = 0.0;

  // Used as given only with LayerSet::Custom; otherwise run() fills them in from the set.
  LayerSet layer_set = LayerSet::Auto;
  std::string content_layer;
  std::vector<LayerWeight> style_layers;

  InitMode init = InitMode::Content;
  Image init_image;  // used when init == InitMode::Image; resized to the processing size

  int max_size = 0;  // cap on the longest processed side, 0 = the content's own size
  int scales = 1;    // pyramid levels, coarse to fine; 1 = single scale
  std::uint64_t seed = 0;

  Device device = Device::Auto;
  int threads = 0;  // CPU threads, 0 = all cores

  std::string weights_file;  // "" = deterministic random weights (with a warning)
  // How the weights file's input is fed: Auto reads the file's metadata ("caffe" convention in
  // safetensors __metadata__, or a Caffe-converted layout), else torchvision's.
  enum class InputConvention { Auto, Torchvision, Caffe } input_convention = InputConvention::Auto;

  // Several styles: one blend weight per style image given to run(); empty = equal
  // weights. Normalised to sum 1; each style layer's target is the blend of the styles' Grams.
  std::vector<double> style_blend;
  // The style images are resized so that their longest side is style_scale x the content's
  // processing size (longest side) before their Grams are taken: bigger scale, bigger strokes.
  double style_scale = 1.0;
  // Region styles (Gatys et al. 2017, spatial guidance): style k paints where style_regions[k]
  // is 1, a map over the content (resized to it; its aspect ratio must be the content's within
  // 1 %). An empty Mask gives that style no region of its own. Where no region reaches, the
  // styles without one are blended as above (all of them when every style has a region). Empty
  // (the default): every style everywhere. Not combined with tiled refinement yet.
  std::vector<Mask> style_regions;
  // Where each style image's style is taken from: style k's Grams are taken over its image
  // weighted by style_source_masks[k] (that image's shape within 1 %; empty Mask: all of it).
  // Empty (the default): every style image whole. Not combined with tiled refinement yet.
  std::vector<Mask> style_source_masks;
  ColorPreservation color_preservation = ColorPreservation::None;

  Precision precision = Precision::Float32;
  // Memory the run may use, in bytes; 0 = what the machine (or the GPU) has free. A job that
  // cannot fit even with tiling is refused before work starts, naming the size that would fit.
  std::uint64_t memory_budget_bytes = 0;

  // Channel widths of the random-weight VGG-19 are divided by this. Only for tests and
  // benchmarks that exercise code paths rather than quality; ignored with a weights file.
  int random_width_divisor = 1;
};

Params default_params();

// Fills content_layer and style_layers for a set (Deep or Shallow); Auto and Custom are left
// unchanged. `name` lookups for the CLI: "auto", "deep", "shallow".
void apply_layer_set(LayerSet set, Params* params);
bool layer_set_from_name(const std::string& name, LayerSet* set);

// Presets: named sets of values applied on top of the current ones; the user can
// change any value afterwards. Names are stable identifiers ("fast-preview", "balanced",
// "high-quality", "seed-recipe"); labels are for display (mark with N_() where shown).
struct Preset {
  const char* name;
  const char* label;
  const char* description;
};
const std::vector<Preset>& presets();
// Applies the named preset to *params; false for an unknown name.
bool apply_preset(const std::string& name, Params* params);

// The ranges that the CLI, the plug-ins' argument registration and the dialogs all use.
struct Limits {
  double weight_max = 1e9;
  int iterations_min = 1;
  int iterations_max = 100000;
  double learning_rate_min = 1e-6;
  double learning_rate_max = 10.0;
  int max_size_min = 16;  // also the smallest processed side the network accepts
  int max_size_max = 16384;
  int scales_min = 1;
  int scales_max = 8;
  int threads_max = 1024;
  double style_scale_min = 0.1;
  double style_scale_max = 4.0;
  int styles_max = 8;
};
Limits limits();

// Names of all ReLU taps, in network order (relu1_1 ... relu5_4).
const std::vector<std::string>& layer_names();

// Parses "relu1_1:0.2,relu2_1:0.2" (":W" optional, default 1). Returns false and fills
// *error on a syntax error or an unknown layer name.
bool parse_layer_weights(const std::string& text, std::vector<LayerWeight>* out,
                         std::string* error);

// Parses a memory size for memory_budget_bytes: "2G", "800M", "1.5GiB", "512MB", "1073741824"
// (units binary: K = 1024). False on anything else.
bool parse_memory_size(const std::string& text, std::uint64_t* bytes);

// Checks parameters and image sizes without touching LibTorch. run() calls it too.
Status validate(const Params& params, const Image& content, const Image& style);
Status validate(const Params& params, const Image& content, const std::vector<Image>& styles);

struct Progress {
  int iteration = 0;   // within the current scale, 0 = before the first step
  int iterations = 0;  // steps at the current scale
  int scale = 0;       // 0-based pyramid level
  int scales = 1;
  int done_steps = 0;   // steps done over all scales
  int total_steps = 0;  // steps over all scales
  int width = 0;        // processing size at this scale
  int height = 0;
  double content_loss = 0;  // unweighted terms, as defined in the README
  double style_loss = 0;
  // J_style per style, in the order given: Σ_l λ_l·cost(G_k^l, Ĝ^l), style k's own Gram against
  // the result's where k applies (the whole image, its region, or what no region covers, each
  // counted by its share). One style: {style_loss}. The README defines it.
  std::vector<double> style_losses;
  double tv_loss = 0;
  double total_loss = 0;                        // weighted sum, with the effective weights
  double effective_content_weight = 0;          // applied to content_loss
  std::vector<double> effective_style_weights;  // per style layer, applied to its cost
  double effective_tv_weight = 0;
  double elapsed_seconds = 0;  // since the optimisation started
  // Refining at full size in tiles (when the memory budget is too small for the whole image):
  // the 1-based tile being refined and how many there are; 0 and 0 otherwise. width and height
  // are then the tile's.
  int tile = 0;
  int tiles = 0;
  // Copies out the current image at processing size. Valid only during the callback.
  std::function<Image()> snapshot;
};

struct Callbacks {
  // Called once per iteration (iteration 0 before the first step) on the engine's thread.
  std::function<void(const Progress&)> on_progress;
  // Polled at least once per iteration; returning true stops the run with Code::Cancelled.
  std::function<bool()> should_cancel;
  // Non-fatal notices (e.g. the random-weights warning). The engine itself never prints.
  std::function<void(const std::string&)> on_warning;
};

struct RunInfo {
  std::string device;     // "cpu" or "cuda:0"
  std::string weights;    // path, or "random" for the fallback network
  int network_loads = 0;  // times the engine has read its weights: 1 however often it stylised
  int threads = 0;
  int processed_width = 0;  // final processing size (before resizing back)
  int processed_height = 0;
  double seconds = 0;
};

// A loaded network on its device, in the manner of whisper.cpp's context: create it once (this
// reads and converts the weights and moves them to the device), stylise any number of images
// with it, free it. One engine is used by one thread at a time.
class Engine;
struct EngineDeleter {
  void operator()(Engine* engine) const;
};
using EngineHandle = std::unique_ptr<Engine, EngineDeleter>;

// What creating an engine fixes; the run's other Params may differ from one stylize() to the next.
struct EngineConfig {
  std::string weights_file;  // "" = the deterministic random network
  Params::InputConvention input_convention = Params::InputConvention::Auto;
  Device device = Device::Auto;
  int random_width_divisor = 1;  // random network only

  bool operator==(const EngineConfig& other) const;
  bool operator!=(const EngineConfig& other) const { return !(*this == other); }
};
// The fields of `params` that creating an engine reads.
EngineConfig engine_config(const Params& params);

// Loads every VGG-19 convolution the weights file holds (all sixteen for the random network).
Status create_engine(const EngineConfig& config, EngineHandle* engine);
// Runs style transfer with a loaded engine. `result` receives an image of the content's size.
// The styles are blended with params.style_blend (Σ wₖ Gₖ). params' EngineConfig fields must be
// those the engine was created with.
Status stylize(Engine& engine, const Image& content, const std::vector<Image>& styles,
               const Params& params, const Callbacks& callbacks, Image* result,
               RunInfo* info = nullptr);
// create_engine(engine_config(params)), then stylize(): for a caller with one image to paint.
Status run(const Image& content, const std::vector<Image>& styles, const Params& params,
           const Callbacks& callbacks, Image* result, RunInfo* info = nullptr);

// Rough cost of a run, from arithmetic alone (no LibTorch), for the dialogs' estimate.
struct Estimate {
  double gflop_per_iteration = 0;  // forward + backward at the final scale
  double seconds = 0;              // whole run on this machine's CPU, at an assumed throughput
  double peak_bytes = 0;           // activation memory plus model
  int processed_width = 0;
  int processed_height = 0;
};
Estimate estimate(int width, int height, const Params& params, bool on_gpu = false);

// Device queries. These initialise LibTorch: never call them while GIMP only queries the plug-in.
bool cuda_available();
std::string version_string();  // engine and LibTorch versions

}  // namespace neural_style
