// The words of the engine's interface: the names of its choices and the parsers of its text
// values, shared by the CLI and both GIMP plug-ins so that a name or a number is read the same
// way everywhere. Torch-free, like the rest of neural_style_params.
#pragma once

#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style {

// One name of an enum value. A table lists each value's canonical name once, in a stable order:
// the GIMP plug-ins' PDB choice values are indexes into it, so entries are only ever appended.
// Aliases (other spellings accepted on input) come after all canonical names.
template <typename E>
struct NamedValue {
  const char* name;
  E value;
  bool alias = false;
};

template <typename E>
using Vocabulary = std::vector<NamedValue<E>>;

const Vocabulary<Optimizer>& optimizer_names();  // adam, lbfgs
// content, noise. An initial image is given as a file, so it has no name.
const Vocabulary<InitMode>& init_names();
// auto, cpu, gpu; "cuda" is an alias, as the CLI spelled it before.
const Vocabulary<Device>& device_names();
const Vocabulary<ColorPreservation>& color_mode_names();              // none, luminance, transfer
const Vocabulary<LayerSet>& layer_set_names();                        // auto, deep, shallow
const Vocabulary<Precision>& precision_names();                       // fp32, bf16, tf32
const Vocabulary<Params::InputConvention>& input_convention_names();  // auto, torchvision, caffe

// The canonical names of a table, in order (for help texts and choice lists).
template <typename E>
std::vector<std::string> canonical_names(const Vocabulary<E>& names) {
  std::vector<std::string> out;
  for (const auto& n : names)
    if (!n.alias) out.push_back(n.name);
  return out;
}

// Every name a table accepts, aliases included (for input validation).
template <typename E>
std::vector<std::string> accepted_names(const Vocabulary<E>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(n.name);
  return out;
}

// The value a name (or alias) stands for; false for a name the table lacks.
template <typename E>
bool value_from_name(const Vocabulary<E>& names, const std::string& name, E* value) {
  for (const auto& n : names) {
    if (name == n.name) {
      *value = n.value;
      return true;
    }
  }
  return false;
}

// The canonical name of a value; "" for a value the table lacks.
template <typename E>
const char* name_of(const Vocabulary<E>& names, E value) {
  for (const auto& n : names)
    if (!n.alias && n.value == value) return n.name;
  return "";
}

// The index of a value's canonical name (its PDB choice value); -1 for one the table lacks.
template <typename E>
int index_of(const Vocabulary<E>& names, E value) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (!names[i].alias && names[i].value == value) return static_cast<int>(i);
  return -1;
}

// The names of presets(), in order.
std::vector<std::string> preset_names();
bool is_preset_name(const std::string& name);

// "a, b or c": a list of names for messages and help texts.
std::string name_list(const std::vector<std::string>& names);

// A whole string as a finite number in the "C" notation (a '.' decimal point in every locale,
// no surrounding spaces, no hex); false for anything else.
bool parse_number(const std::string& text, double* value);

// Whether `name` is a ReLU tap of layer_names() (relu1_1 ... relu5_4).
bool is_layer_name(const std::string& name);

// Whether a max size is 0 (no cap) or within limits().
bool max_size_ok(int max_size);

// Parses a style blend, "0.25,0.75": weights of 0 or more, one per style image, separated by
// commas, spaces around each allowed, always with a '.' decimal point. Text that is empty or
// only spaces gives an empty list (equal weights). Weights that are all zero are accepted here
// (validate() refuses them), so that a dialog can still show them. On failure, *error says why
// in English and *bad_entry (when given) receives the offending entry, trimmed.
bool parse_style_blend(const std::string& text, std::vector<double>* out, std::string* error,
                       std::string* bad_entry = nullptr);

// Whether blend weights (as parse_style_blend() gives them) fit a run with `styles` style
// images: none (equal weights), or one weight per image, not all of them zero.
enum class BlendFit { Ok, WrongCount, AllZero };
BlendFit style_blend_fit(const std::vector<double>& weights, std::size_t styles);

}  // namespace neural_style
