#include "parameters.h"

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "i18n.h"
#include "neural_style/vocabulary.h"
#include "text_format.h"

namespace neural_style::plugin {
namespace {

// A Choice row's PDB value is the index of the engine's name for it (vocabulary.h).
template <typename E>
E chosen(const Vocabulary<E>& names, int index, E fallback) {
  if (index < 0 || static_cast<std::size_t>(index) >= names.size() ||
      names[static_cast<std::size_t>(index)].alias)
    return fallback;
  return names[static_cast<std::size_t>(index)].value;
}

std::vector<ParamSpec> build_table() {
  const neural_style::Params d = neural_style::default_params();
  const neural_style::Limits l = neural_style::limits();
  std::vector<ParamSpec> t(kParamCount);

  auto row = [&t](ParamId id, const char* name, ParamType type) -> ParamSpec& {
    ParamSpec& s = t[id];
    s.id = id;
    s.name = name;
    s.type = type;
    return s;
  };

  // The loss weights: 0 … weight_max on a logarithmic slider that spans two decades above the
  // default (the spin button still takes the full range): the useful weights differ by orders
  // of magnitude between the three terms.
  auto weight_row = [&](ParamId id, const char* name, double def, int digits) -> ParamSpec& {
    ParamSpec& s = row(id, name, ParamType::Float);
    s.min = 0;
    s.max = l.weight_max;
    s.default_number = def;
    s.digits = digits;
    s.logarithmic = true;
    s.soft_min = 0;
    s.soft_max = std::min(s.max, (def > 0 ? def : 1.0) * 100);
    return s;
  };

  // Choice rows take the values 0 … n-1, one for each label.
  auto choice_row = [&](ParamId id, const char* name, int def,
                        std::vector<const char*> choices) -> ParamSpec& {
    ParamSpec& s = row(id, name, ParamType::Choice);
    s.min = 0;
    s.max = static_cast<double>(choices.size() - 1);
    s.default_number = def;
    s.choices = std::move(choices);
    return s;
  };

  {
    ParamSpec& s = row(kStyleFile, "style-file", ParamType::File);
    s.label = N_("_Style image");
    s.tooltip =
        N_("The picture whose brush strokes, colours and textures are transferred "
           "onto the layer. Any file GIMP can open.");
  }
  {
    ParamSpec& s = weight_row(kContentWeight, "content-weight", d.content_weight, 3);
    s.label = N_("Co_ntent weight");
    s.tooltip =
        N_("How strongly the result keeps the shapes of the layer. Raise it when the "
           "subject dissolves into the style.");
  }
  {
    ParamSpec& s = weight_row(kStyleWeight, "style-weight", d.style_weight, 1);
    s.label = N_("St_yle weight");
    s.tooltip =
        N_("How strongly the result takes on the style image's textures and colours. "
           "Only its ratio to the content weight matters.");
  }
  {
    ParamSpec& s = weight_row(kTvWeight, "tv-weight", d.tv_weight, 4);
    s.label = N_("S_moothness (TV weight)");
    s.tooltip =
        N_("Total variation weight: suppresses pixel noise and checkerboard artefacts. "
           "Too much of it blurs fine detail.");
  }
  {
    ParamSpec& s = row(kIterations, "iterations", ParamType::Int);
    s.min = l.iterations_min;
    s.max = l.iterations_max;
    s.default_number = d.iterations;
    s.soft_min = l.iterations_min;
    s.soft_max = std::max(2000, d.iterations);
    s.label = N_("_Iterations");
    s.tooltip =
        N_("Optimisation steps at each scale (the layer is refined from coarse to "
           "fine). More steps refine the result; run time grows in proportion.");
  }
  {
    ParamSpec& s = row(kMaxSize, "max-size", ParamType::Int);
    s.min = 0;
    s.max = l.max_size_max;
    s.default_number = d.max_size;
    s.soft_max = std::max(4096, d.max_size);
    s.label = N_("Max si_ze");
    s.tooltip =
        N_("Longest side, in pixels, at which the layer is processed; the result is "
           "scaled back to the layer's size. 0 processes at full size. Smaller is much "
           "faster and needs less memory.");
  }
  {
    ParamSpec& s = choice_row(kOptimizer, "optimizer", index_of(optimizer_names(), d.optimizer),
                              {N_("Adam"), N_("L-BFGS")});
    s.label = N_("Op_timizer");
    s.tooltip =
        N_("Adam takes cheap, steady steps. L-BFGS converges in fewer iterations but "
           "each one costs more and needs more memory.");
  }
  {
    ParamSpec& s =
        choice_row(kInit, "init", index_of(init_names(), d.init), {N_("Content"), N_("Noise")});
    s.label = N_("Start _from");
    s.tooltip =
        N_("What the optimisation starts from: the layer itself (keeps more of it, "
           "converges faster) or random noise (bolder, more abstract results).");
  }
  {
    ParamSpec& s = row(kPreserveColors, "preserve-colors", ParamType::Boolean);
    s.min = 0;
    s.max = 1;
    s.default_number = 0;
    s.label = N_("_Preserve colours");
    s.tooltip =
        N_("Keep the layer's own colours and take only the style's light and dark "
           "patterns.");
  }
  {
    ParamSpec& s = row(kSeed, "seed", ParamType::Int);
    s.min = 0;
    s.max = G_MAXINT32;
    s.soft_max = G_MAXINT32;
    s.default_number = static_cast<double>(d.seed % (static_cast<std::uint64_t>(G_MAXINT32) + 1));
    s.label = N_("R_andom seed");
    s.tooltip =
        N_("Seed of the random numbers (noise start, random network). The same seed "
           "and settings give the same result.");
  }
  {
    ParamSpec& s = choice_row(kDevice, "device", index_of(device_names(), d.device),
                              {N_("Automatic"), N_("CPU"), N_("GPU (CUDA)")});
    s.label = N_("D_evice");
    s.tooltip =
        N_("Where the computation runs. Automatic uses the GPU when one is available, "
           "else the CPU.");
  }
  {
    ParamSpec& s = row(kWeightsFile, "weights-file", ParamType::File);
    s.label = N_("_Weights file");
    s.tooltip =
        N_("Pretrained VGG-19 weights (.safetensors). Leave empty to search the "
           "default model folders.");
  }

  // Style controls, appended so that the PDB order above stays as it was.
  const char* extra_style_tooltip =
      N_("A further style image, blended with the others (see style-blend). Leave empty "
         "for none.");
  row(kStyleFile2, "style-file-2", ParamType::File).label = N_("Style image _2");
  row(kStyleFile3, "style-file-3", ParamType::File).label = N_("Style image _3");
  row(kStyleFile4, "style-file-4", ParamType::File).label = N_("Style image _4");
  for (ParamId id : {kStyleFile2, kStyleFile3, kStyleFile4}) t[id].tooltip = extra_style_tooltip;
  {
    ParamSpec& s = row(kStyleBlend, "style-blend", ParamType::String);
    s.label = N_("Style _blend");
    s.tooltip =
        N_("How much each style image counts: one weight per style image given, in "
           "order, separated by commas (\"3,1\"). Empty: all count the same.");
  }
  {
    ParamSpec& s = row(kStyleScale, "style-scale", ParamType::Float);
    s.min = l.style_scale_min;
    s.max = l.style_scale_max;
    s.default_number = d.style_scale;
    s.soft_min = s.min;
    s.soft_max = s.max;
    s.digits = 2;
    s.label = N_("Style sca_le");
    s.tooltip =
        N_("Size of the style's brush strokes and patterns: the style images are scaled to "
           "this times the layer's processing size before their style is measured. Bigger "
           "is coarser.");
  }
  {
    ParamSpec& s = choice_row(
        kColorMode, "color-mode", kColorNone,
        {N_("Style colours"), N_("Keep luminance only"), N_("Transfer colours to the style")});
    s.label = N_("Colour _handling");
    s.tooltip =
        N_("Style colours: the result takes the style's colours. Keep luminance only: the "
           "layer's own colours with the style's light and dark patterns. Transfer: the style "
           "images are first recoloured with the layer's colours. Overrides preserve-colors "
           "unless it is the first choice.");
  }
  {
    ParamSpec& s = choice_row(
        kPreset, "preset", kPresetCustom,
        {N_("Custom"), N_("Fast preview"), N_("Balanced"), N_("High quality"), N_("Seed recipe")});
    s.label = N_("_Preset");
    s.tooltip =
        N_("A ready-made set of weights, sizes, optimiser and layers. Custom uses the "
           "values as given; any other preset replaces them with its own.");
  }
  {
    ParamSpec& s = row(kContentLayer, "content-layer", ParamType::String);
    s.label = N_("Content layer");
    s.tooltip =
        N_("The network layer whose features the result must keep, such as relu4_2 "
           "(deeper: looser shapes). Empty: the layer set's own.");
  }
  {
    ParamSpec& s = row(kStyleLayers, "style-layers", ParamType::String);
    s.label = N_("Style layers");
    s.tooltip =
        N_("Layers whose textures are copied, with their weights: "
           "\"relu1_1:0.2,relu2_1:0.2,...\". Shallow layers give fine texture, deep ones large "
           "patterns. Empty: the layer set's own.");
  }
  {
    ParamSpec& s = row(kScales, "scales", ParamType::Int);
    s.min = l.scales_min;
    s.max = l.scales_max;
    s.default_number = d.scales;
    s.soft_min = s.min;
    s.soft_max = s.max;
    s.label = N_("Pyramid le_vels");
    s.tooltip =
        N_("Pyramid levels, coarse to fine: more levels shape large forms first and are "
           "cheaper per step at the small sizes.");
  }
  {
    ParamSpec& s = row(kLearningRate, "learning-rate", ParamType::Float);
    s.min = 0;
    s.max = l.learning_rate_max;
    s.default_number = d.learning_rate;
    s.soft_min = 0;
    s.soft_max = 1;
    s.digits = 3;
    s.label = N_("Learnin_g rate");
    s.tooltip = N_("Step size of the optimiser. 0 uses the optimiser's own default.");
  }
  {
    ParamSpec& s = row(kRawWeights, "raw-weights", ParamType::Boolean);
    s.min = 0;
    s.max = 1;
    s.default_number = d.normalize_weights ? 0 : 1;
    s.label = N_("Ra_w weights");
    s.tooltip =
        N_("Use the content and style weights as the raw factors of the loss terms, as in "
           "Gatys et al., instead of relative ones. Raw weights depend on the network and "
           "the image size.");
  }

  // Styles from open images and regions, appended so that the PDB order above stays as it was.
  auto item_row = [&](ParamId id, const char* name, ParamType type) -> ParamSpec& {
    ParamSpec& s = row(id, name, type);
    s.min = kNoItem;
    s.max = G_MAXINT32;
    s.default_number = kNoItem;
    return s;
  };
  const char* drawable_names[kStyleSlots] = {"style-drawable", "style-drawable-2",
                                             "style-drawable-3", "style-drawable-4"};
  // The dialogs' other mnemonics leave few letters: "1" is free ("Style image _2" … take 2-4).
  const char* drawable_labels[kStyleSlots] = {N_("Layer for style _1"), N_("Layer for style 2"),
                                              N_("Layer for style 3"), N_("Layer for style 4")};
  const char* region_names[kStyleSlots] = {"style-region", "style-region-2", "style-region-3",
                                           "style-region-4"};
  const char* region_labels[kStyleSlots] = {N_("Region of style 1"), N_("Region of style 2"),
                                            N_("Region of style 3"), N_("Region of style 4")};
  for (int i = 0; i < kStyleSlots; ++i) {
    ParamSpec& d = item_row(kStyleDrawableIds[i], drawable_names[i], ParamType::Drawable);
    d.label = drawable_labels[i];
    d.tooltip =
        N_("A layer of any open image as this style image, instead of the file (-1: none). "
           "The selection of that layer's image, when the layer is not in the filtered "
           "image, says which part the style is taken from.");
    ParamSpec& r = item_row(kStyleRegionIds[i], region_names[i], ParamType::Channel);
    r.label = region_labels[i];
    r.tooltip =
        N_("Where this style paints: a channel of the filtered image (a saved selection) or "
           "its selection; white paints, black does not (-1: everywhere).");
  }
  return t;
}

// Settings must read back the same in every locale, so numbers never go through printf's
// locale-dependent decimal separator.
std::string format_number(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_dtostr(buf, sizeof buf, v);
}

// Shorter than format_number() for texts users read ("0.333333", not "0.33333333333333331").
std::string short_number(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_formatd(buf, sizeof buf, "%.6g", v);
}

std::string format_layer_weights(const std::vector<neural_style::LayerWeight>& layers) {
  std::string text;
  for (const neural_style::LayerWeight& l : layers) {
    if (!text.empty()) text += ',';
    text += l.layer + ':' + short_number(l.weight);
  }
  return text;
}

bool nearly_equal(double a, double b) {
  return std::fabs(a - b) <= 1e-6 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

// Layer lists compared by meaning, so that "relu1_1:0.2" matches "relu1_1:0.200000".
bool same_layer_weights(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty();
  std::vector<neural_style::LayerWeight> la, lb;
  std::string error;
  if (!neural_style::parse_layer_weights(a, &la, &error) ||
      !neural_style::parse_layer_weights(b, &lb, &error) || la.size() != lb.size())
    return a == b;
  for (std::size_t i = 0; i < la.size(); ++i)
    if (la[i].layer != lb[i].layer || !nearly_equal(la[i].weight, lb[i].weight)) return false;
  return true;
}

std::string escape(const std::string& s) {
  gchar* e = g_strescape(s.c_str(), nullptr);
  std::string out(e);
  g_free(e);
  return out;
}

std::string unescape(const std::string& s) {
  gchar* u = g_strcompress(s.c_str());
  std::string out(u);
  g_free(u);
  return out;
}

}  // namespace

const std::vector<ParamSpec>& parameter_table() {
  static const std::vector<ParamSpec> table = build_table();
  return table;
}

const ParamSpec& param_spec(ParamId id) {
  return parameter_table().at(id);
}

Values default_values() {
  Values v;
  for (const ParamSpec& s : parameter_table()) {
    if (is_text(s.type))
      set_string(&v, s.id, s.default_string);
    else
      set_number(&v, s.id, s.default_number);
  }
  return v;
}

double get_number(const Values& v, ParamId id) {
  switch (id) {
    case kContentWeight: return v.content_weight;
    case kStyleWeight: return v.style_weight;
    case kTvWeight: return v.tv_weight;
    case kIterations: return v.iterations;
    case kMaxSize: return v.max_size;
    case kOptimizer: return v.optimizer;
    case kInit: return v.init;
    case kPreserveColors: return v.preserve_colors ? 1 : 0;
    case kSeed: return v.seed;
    case kDevice: return v.device;
    case kStyleScale: return v.style_scale;
    case kColorMode: return v.color_mode;
    case kPreset: return v.preset;
    case kScales: return v.scales;
    case kLearningRate: return v.learning_rate;
    case kRawWeights: return v.raw_weights ? 1 : 0;
    case kStyleDrawable: return v.style_drawables[0];
    case kStyleDrawable2: return v.style_drawables[1];
    case kStyleDrawable3: return v.style_drawables[2];
    case kStyleDrawable4: return v.style_drawables[3];
    case kStyleRegion: return v.style_regions[0];
    case kStyleRegion2: return v.style_regions[1];
    case kStyleRegion3: return v.style_regions[2];
    case kStyleRegion4: return v.style_regions[3];
    default: return 0;
  }
}

void set_number(Values* v, ParamId id, double value) {
  const int i = static_cast<int>(std::lround(std::clamp(value, -2147483648.0, 2147483647.0)));
  switch (id) {
    case kContentWeight: v->content_weight = value; break;
    case kStyleWeight: v->style_weight = value; break;
    case kTvWeight: v->tv_weight = value; break;
    case kIterations: v->iterations = i; break;
    case kMaxSize: v->max_size = i; break;
    case kOptimizer: v->optimizer = i; break;
    case kInit: v->init = i; break;
    case kPreserveColors: v->preserve_colors = i != 0; break;
    case kSeed: v->seed = i; break;
    case kDevice: v->device = i; break;
    case kStyleScale: v->style_scale = value; break;
    case kColorMode: v->color_mode = i; break;
    case kPreset: v->preset = i; break;
    case kScales: v->scales = i; break;
    case kLearningRate: v->learning_rate = value; break;
    case kRawWeights: v->raw_weights = i != 0; break;
    case kStyleDrawable: v->style_drawables[0] = i; break;
    case kStyleDrawable2: v->style_drawables[1] = i; break;
    case kStyleDrawable3: v->style_drawables[2] = i; break;
    case kStyleDrawable4: v->style_drawables[3] = i; break;
    case kStyleRegion: v->style_regions[0] = i; break;
    case kStyleRegion2: v->style_regions[1] = i; break;
    case kStyleRegion3: v->style_regions[2] = i; break;
    case kStyleRegion4: v->style_regions[3] = i; break;
    default: break;
  }
}

const std::string& get_string(const Values& v, ParamId id) {
  static const std::string none;
  switch (id) {
    case kStyleFile: return v.style_file;
    case kWeightsFile: return v.weights_file;
    case kStyleFile2: return v.style_file_2;
    case kStyleFile3: return v.style_file_3;
    case kStyleFile4: return v.style_file_4;
    case kStyleBlend: return v.style_blend;
    case kContentLayer: return v.content_layer;
    case kStyleLayers: return v.style_layers;
    default: return none;
  }
}

void set_string(Values* v, ParamId id, std::string value) {
  switch (id) {
    case kStyleFile: v->style_file = std::move(value); break;
    case kWeightsFile: v->weights_file = std::move(value); break;
    case kStyleFile2: v->style_file_2 = std::move(value); break;
    case kStyleFile3: v->style_file_3 = std::move(value); break;
    case kStyleFile4: v->style_file_4 = std::move(value); break;
    case kStyleBlend: v->style_blend = std::move(value); break;
    case kContentLayer: v->content_layer = std::move(value); break;
    case kStyleLayers: v->style_layers = std::move(value); break;
    default: break;
  }
}

Values clamped(Values v) {
  for (const ParamSpec& s : parameter_table()) {
    if (is_text(s.type)) continue;
    double x = get_number(v, s.id);
    if (!std::isfinite(x)) x = s.default_number;
    set_number(&v, s.id, std::clamp(x, s.min, s.max));
  }
  return v;
}

std::string check_ranges(const Values& values) {
  // The rows a preset replaces are not used, so they need not be valid either.
  const Values v = with_preset(values, values.preset);
  for (const ParamSpec& s : parameter_table()) {
    if (is_text(s.type)) continue;
    const double x = get_number(v, s.id);
    if (!std::isfinite(x) || x < s.min || x > s.max) {
      return format(_("The argument %s is %s, outside its range %s … %s."), s.name,
                    format_number(x).c_str(), format_number(s.min).c_str(),
                    format_number(s.max).c_str());
    }
  }
  const neural_style::Limits l = neural_style::limits();
  if (!max_size_ok(v.max_size)) {
    return format(_("Max size must be 0 (the layer's own size) or at least %d."), l.max_size_min);
  }
  if (v.learning_rate != 0 && v.learning_rate < l.learning_rate_min) {
    return format(_("The learning rate must be 0 (the optimiser's default) or at least %s."),
                  format_number(l.learning_rate_min).c_str());
  }
  std::vector<double> blend;
  std::string error;
  if (!parse_blend(v.style_blend, &blend, &error)) return error;
  const std::size_t styles = style_slots(v).size();
  switch (style_blend_fit(blend, styles)) {
    case BlendFit::Ok: break;
    case BlendFit::WrongCount:
      return format(_("The argument style-blend has %d weights for %d style images; give one "
                      "weight per style image, or leave it empty."),
                    static_cast<int>(blend.size()), static_cast<int>(styles));
    case BlendFit::AllZero:
      return _("The argument style-blend gives every style image the weight 0.");
  }
  if (!v.content_layer.empty() && !is_layer_name(v.content_layer)) {
    return format(_("The argument content-layer is \"%s\", which is not a layer of the "
                    "network (relu1_1 … relu5_4)."),
                  v.content_layer.c_str());
  }
  if (!v.style_layers.empty()) {
    std::vector<neural_style::LayerWeight> layers;
    if (!neural_style::parse_layer_weights(v.style_layers, &layers, &error))
      return format(_("The argument style-layers is not valid: %s"), error.c_str());
  }
  return {};
}

bool slot_used(const Values& v, int slot) {
  return v.style_drawables[slot] != kNoItem || !get_string(v, kStyleFileIds[slot]).empty();
}

std::vector<int> style_slots(const Values& v) {
  std::vector<int> slots;
  for (int i = 0; i < kStyleSlots; ++i)
    if (slot_used(v, i)) slots.push_back(i);
  return slots;
}

std::vector<std::string> style_files(const Values& v) {
  std::vector<std::string> files;
  for (int i = 0; i < kStyleSlots; ++i)
    if (const std::string& f = get_string(v, kStyleFileIds[i]);
        !f.empty() && v.style_drawables[i] == kNoItem)
      files.push_back(f);
  return files;
}

Values without_items(Values v) {
  v.style_drawables.fill(kNoItem);
  v.style_regions.fill(kNoItem);
  return v;
}

bool parse_blend(const std::string& text, std::vector<double>* out, std::string* error) {
  std::string english, item;
  if (parse_style_blend(text, out, &english, &item)) return true;
  out->clear();
  *error = format(_("The argument style-blend has \"%s\" where a weight of 0 or more "
                    "belongs (weights are separated by commas: \"3,1\")."),
                  item.c_str());
  return false;
}

std::string format_blend(const std::vector<double>& weights) {
  if (weights.empty() ||
      std::all_of(weights.begin(), weights.end(), [&](double w) { return w == weights.front(); }))
    return {};
  std::string text;
  for (double w : weights) {
    if (!text.empty()) text += ',';
    text += short_number(w);
  }
  return text;
}

std::array<double, kStyleSlots> blend_per_slot(const Values& v) {
  std::array<double, kStyleSlots> out;
  out.fill(1.0);
  std::vector<double> weights;
  std::string error;
  if (!parse_blend(v.style_blend, &weights, &error) || weights.size() != style_slots(v).size())
    return out;
  std::size_t next = 0;
  for (int slot : style_slots(v)) out[slot] = weights[next++];
  return out;
}

int effective_color_mode(const Values& v) {
  if (v.color_mode != kColorNone) return v.color_mode;
  return v.preserve_colors ? kColorLuminance : kColorNone;
}

const char* preset_name(int preset) {
  // PDB value n > 0 is the engine's n-th preset: its list is the one order.
  const auto& list = neural_style::presets();
  if (preset <= kPresetCustom || static_cast<std::size_t>(preset) > list.size()) return "";
  return list[static_cast<std::size_t>(preset - 1)].name;
}

const std::vector<ParamId>& preset_rows() {
  static const std::vector<ParamId> rows = {
      kContentWeight, kStyleWeight, kTvWeight,     kIterations, kMaxSize,      kOptimizer,
      kInit,          kScales,      kLearningRate, kRawWeights, kContentLayer, kStyleLayers};
  return rows;
}

Values with_preset(Values v, int preset) {
  const char* name = preset_name(preset);
  if (!*name) return v;
  neural_style::Params p = neural_style::default_params();
  if (!neural_style::apply_preset(name, &p)) return v;
  v.content_weight = p.content_weight;
  v.style_weight = p.style_weight;
  v.tv_weight = p.tv_weight;
  v.iterations = p.iterations;
  v.max_size = p.max_size;
  v.optimizer = index_of(optimizer_names(), p.optimizer);
  v.init = std::max(index_of(init_names(), p.init), static_cast<int>(kInitContent));
  v.scales = p.scales;
  v.learning_rate = p.learning_rate;
  v.raw_weights = !p.normalize_weights;
  if (p.layer_set == neural_style::LayerSet::Auto) {
    v.content_layer.clear();
    v.style_layers.clear();
  } else {
    neural_style::apply_layer_set(p.layer_set, &p);
    v.content_layer = p.content_layer;
    v.style_layers = format_layer_weights(p.style_layers);
  }
  return v;
}

bool matches_preset(const Values& v, int preset) {
  if (!*preset_name(preset)) return false;
  const Values want = with_preset(v, preset);
  for (ParamId id : preset_rows()) {
    if (id == kStyleLayers) {
      if (!same_layer_weights(v.style_layers, want.style_layers)) return false;
    } else if (is_text(param_spec(id).type)) {
      if (get_string(v, id) != get_string(want, id)) return false;
    } else if (!nearly_equal(get_number(v, id), get_number(want, id))) {
      return false;
    }
  }
  return true;
}

int shown_preset(const Values& v) {
  if (v.preset != kPresetCustom && matches_preset(v, v.preset)) return v.preset;
  for (int preset = kPresetCustom + 1; *preset_name(preset); ++preset)
    if (matches_preset(v, preset)) return preset;
  return kPresetCustom;
}

neural_style::Params to_engine_params(const Values& values) {
  neural_style::Params p = neural_style::default_params();
  // Whatever else a preset sets (values without a row) comes from the preset, the rest from
  // the rows, which with_preset() has given the preset's values.
  if (const char* name = preset_name(values.preset); *name) neural_style::apply_preset(name, &p);
  const Values v = with_preset(values, values.preset);
  p.content_weight = v.content_weight;
  p.style_weight = v.style_weight;
  p.tv_weight = v.tv_weight;
  p.iterations = v.iterations;
  p.max_size = v.max_size;
  p.optimizer = chosen(optimizer_names(), v.optimizer, p.optimizer);
  p.init = chosen(init_names(), v.init, p.init);
  p.seed = static_cast<std::uint64_t>(v.seed);
  p.device = chosen(device_names(), v.device, p.device);
  p.weights_file = v.weights_file;
  p.scales = v.scales;
  p.learning_rate = v.learning_rate;
  p.normalize_weights = !v.raw_weights;
  p.style_scale = v.style_scale;
  std::string error;
  if (!parse_blend(v.style_blend, &p.style_blend, &error)) p.style_blend.clear();
  p.color_preservation =
      chosen(color_mode_names(), effective_color_mode(v), neural_style::ColorPreservation::None);
  if (v.content_layer.empty() && v.style_layers.empty()) {
    // As default_params() has it: the deep set's layers, which run() may still swap for the
    // shallow set's when the weights file ends early.
    neural_style::apply_layer_set(neural_style::LayerSet::Deep, &p);
    p.layer_set = neural_style::LayerSet::Auto;
  } else {
    // Half a custom set takes the other half from the deep set, the one the paper used.
    neural_style::Params deep = p;
    neural_style::apply_layer_set(neural_style::LayerSet::Deep, &deep);
    p.layer_set = neural_style::LayerSet::Custom;
    p.content_layer = v.content_layer.empty() ? deep.content_layer : v.content_layer;
    p.style_layers = deep.style_layers;
    if (!v.style_layers.empty() &&
        !neural_style::parse_layer_weights(v.style_layers, &p.style_layers, &error))
      p.style_layers = deep.style_layers;
  }
  // Test hook (see docs/gimp-plugin.md): a narrower random network keeps GIMP tests fast.
  if (const char* divisor = std::getenv("NEURAL_STYLE_TEST_WIDTH_DIVISOR")) {
    const int n = std::atoi(divisor);
    if (n >= 1) p.random_width_divisor = n;
  }
  return p;
}

std::string serialize_values(const Values& v) {
  std::ostringstream out;
  out << "neural-style-values " << kValuesVersion << '\n';
  for (const ParamSpec& s : parameter_table()) {
    out << s.name << '=';
    if (is_text(s.type))
      out << escape(get_string(v, s.id));
    else
      out << format_number(get_number(v, s.id));
    out << '\n';
  }
  return out.str();
}

Values parse_values(const std::string& text, const Values& fallback) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != "neural-style-values " + std::to_string(kValuesVersion))
    return fallback;
  Values v = fallback;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    for (const ParamSpec& s : parameter_table()) {
      if (name != s.name) continue;
      if (is_text(s.type))
        set_string(&v, s.id, unescape(value));
      else
        set_number(&v, s.id, g_ascii_strtod(value.c_str(), nullptr));
    }
  }
  return clamped(v);
}

}  // namespace neural_style::plugin
