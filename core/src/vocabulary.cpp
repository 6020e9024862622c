// Names and text parsers shared by every front end (vocabulary.h).
#include "neural_style/vocabulary.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <system_error>

namespace neural_style {

const Vocabulary<Optimizer>& optimizer_names() {
  static const Vocabulary<Optimizer> names = {{"adam", Optimizer::Adam},
                                              {"lbfgs", Optimizer::LBFGS}};
  return names;
}

const Vocabulary<InitMode>& init_names() {
  static const Vocabulary<InitMode> names = {{"content", InitMode::Content},
                                             {"noise", InitMode::Noise}};
  return names;
}

const Vocabulary<Device>& device_names() {
  // "gpu" is what GIMP 3 scripts pass and what the dialogs show; the CLI's older "cuda" stays
  // accepted so that existing command lines keep working.
  static const Vocabulary<Device> names = {{"auto", Device::Auto},
                                           {"cpu", Device::CPU},
                                           {"gpu", Device::CUDA},
                                           {"cuda", Device::CUDA, true}};
  return names;
}

const Vocabulary<ColorPreservation>& color_mode_names() {
  static const Vocabulary<ColorPreservation> names = {
      {"none", ColorPreservation::None},
      {"luminance", ColorPreservation::Luminance},
      {"transfer", ColorPreservation::ColorTransfer}};
  return names;
}

const Vocabulary<LayerSet>& layer_set_names() {
  static const Vocabulary<LayerSet> names = {
      {"auto", LayerSet::Auto}, {"deep", LayerSet::Deep}, {"shallow", LayerSet::Shallow}};
  return names;
}

const Vocabulary<Precision>& precision_names() {
  static const Vocabulary<Precision> names = {
      {"fp32", Precision::Float32}, {"bf16", Precision::BFloat16}, {"tf32", Precision::TF32}};
  return names;
}

const Vocabulary<Params::InputConvention>& input_convention_names() {
  static const Vocabulary<Params::InputConvention> names = {
      {"auto", Params::InputConvention::Auto},
      {"torchvision", Params::InputConvention::Torchvision},
      {"caffe", Params::InputConvention::Caffe}};
  return names;
}

bool layer_set_from_name(const std::string& name, LayerSet* set) {
  return value_from_name(layer_set_names(), name, set);
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const Preset& p : presets()) names.push_back(p.name);
  return names;
}

bool is_preset_name(const std::string& name) {
  const auto& list = presets();
  return std::any_of(list.begin(), list.end(), [&](const Preset& p) { return name == p.name; });
}

std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

bool parse_number(const std::string& text, double* value) {
  // from_chars never consults the locale, unlike strtod and std::stod, which read "0.25" as 0
  // under a locale with a decimal comma. It refuses a leading '+', which strtod took.
  const char* begin = text.data();
  const char* const end = text.data() + text.size();
  if (begin != end && *begin == '+') {
    ++begin;
    if (begin != end && (*begin == '+' || *begin == '-')) return false;
  }
  double v = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, v, std::chars_format::general);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) return false;
  *value = v;
  return true;
}

bool is_layer_name(const std::string& name) {
  const auto& names = layer_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool max_size_ok(int max_size) {
  const Limits lim = limits();
  return max_size == 0 || (max_size >= lim.max_size_min && max_size <= lim.max_size_max);
}

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// The comma-separated entries of `text`, trimmed; a trailing comma gives a last empty entry.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    items.push_back(trim(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

}  // namespace

bool parse_style_blend(const std::string& text, std::vector<double>* out, std::string* error,
                       std::string* bad_entry) {
  std::vector<double> weights;
  if (!trim(text).empty()) {
    for (const std::string& item : split_list(text)) {
      double w = 0;
      if (!parse_number(item, &w) || w < 0 || w > limits().weight_max) {
        *error = "invalid weight '" + item + "' (expected numbers of 0 or more: W,W,...)";
        if (bad_entry) *bad_entry = item;
        return false;
      }
      weights.push_back(w);
    }
  }
  *out = std::move(weights);
  return true;
}

BlendFit style_blend_fit(const std::vector<double>& weights, std::size_t styles) {
  if (weights.empty()) return BlendFit::Ok;
  if (weights.size() != styles) return BlendFit::WrongCount;
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0; }))
    return BlendFit::AllZero;
  return BlendFit::Ok;
}

bool parse_layer_weights(const std::string& text, std::vector<LayerWeight>* out,
                         std::string* error) {
  std::vector<LayerWeight> result;
  if (!trim(text).empty()) {
    for (const std::string& item : split_list(text)) {
      if (item.empty()) {
        *error = "empty entry in layer list '" + text + "'";
        return false;
      }
      LayerWeight lw;
      lw.weight = 1.0;
      const auto colon = item.find(':');
      lw.layer = trim(item.substr(0, colon));
      if (colon != std::string::npos) {
        const std::string w = trim(item.substr(colon + 1));
        if (!parse_number(w, &lw.weight) || lw.weight < 0) {
          *error = "invalid weight '" + w + "' for layer " + lw.layer;
          return false;
        }
      }
      if (!is_layer_name(lw.layer)) {
        *error = "unknown layer '" + lw.layer + "' (expected relu1_1 ... relu5_4)";
        return false;
      }
      for (const auto& seen : result) {
        if (seen.layer == lw.layer) {
          *error = "layer " + lw.layer + " listed twice";
          return false;
        }
      }
      result.push_back(lw);
    }
  }
  if (result.empty()) {
    *error = "no layers given";
    return false;
  }
  *out = std::move(result);
  return true;
}

}  // namespace neural_style
