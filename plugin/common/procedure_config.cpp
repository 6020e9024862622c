#include "procedure_config.h"

#include <memory>
#include <string>
#include <vector>

#include "common/i18n.h"
#include "neural_style/vocabulary.h"

namespace neural_style::plugin::gimp3 {
namespace {

// Scripts pass choices by nick, so these are public interface: the engine's canonical names
// (vocabulary.h), which it never renames, so that scripts and the CLI spell them alike. Index =
// the table's PDB value (OptimizerChoice, InitChoice, DeviceChoice, ColorModeChoice,
// PresetChoice).
std::vector<std::string> preset_nicks() {
  std::vector<std::string> nicks = {"custom"};
  for (const std::string& name : preset_names()) nicks.push_back(name);
  return nicks;
}

const std::vector<std::string>& nicks_of(ParamId id) {
  static const std::vector<std::string> optimizer = canonical_names(optimizer_names());
  static const std::vector<std::string> init = canonical_names(init_names());
  static const std::vector<std::string> device = canonical_names(device_names());
  static const std::vector<std::string> color_mode = canonical_names(color_mode_names());
  static const std::vector<std::string> preset = preset_nicks();
  static const std::vector<std::string> none;
  switch (id) {
    case kOptimizer: return optimizer;
    case kInit: return init;
    case kDevice: return device;
    case kColorMode: return color_mode;
    case kPreset: return preset;
    default: return none;
  }
}

GimpChoice* make_choice(const ParamSpec& spec) {
  const std::vector<std::string>& nicks = nicks_of(spec.id);
  // A row added to the table without nicks here would register an argument that accepts
  // nothing; fail loudly at query time instead.
  g_assert(nicks.size() == spec.choices.size());
  GimpChoice* choice = gimp_choice_new();
  for (std::size_t i = 0; i < nicks.size(); ++i)
    gimp_choice_add(choice, nicks[i].c_str(), static_cast<gint>(i), _(spec.choices[i]), nullptr);
  return choice;
}

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};

std::string path_of_file_property(GimpProcedureConfig* config, const char* name) {
  GFile* raw = nullptr;
  g_object_get(config, name, &raw, nullptr);
  std::unique_ptr<GFile, GObjectUnref> file(raw);
  if (!file) return {};
  gchar* path = g_file_get_path(file.get());
  // A file without a local path (a URI GIO cannot map) cannot be read by the engine either.
  std::string out = path ? path : "";
  g_free(path);
  return out;
}

}  // namespace

const char* choice_nick(ParamId id, int value) {
  const std::vector<std::string>& nicks = nicks_of(id);
  if (value < 0 || static_cast<std::size_t>(value) >= nicks.size()) return "";
  return nicks[static_cast<std::size_t>(value)].c_str();
}

void add_arguments(GimpProcedure* procedure) {
  constexpr GParamFlags flags = G_PARAM_READWRITE;
  for (const ParamSpec& s : parameter_table()) {
    const char* nick = _(s.label);
    const char* blurb = _(s.tooltip);
    switch (s.type) {
      case ParamType::String:
        gimp_procedure_add_string_argument(procedure, s.name, nick, blurb, s.default_string.c_str(),
                                           flags);
        break;
      case ParamType::File:
        // none_ok also for the style file: an interactive first run starts without one, and
        // a run without one gets the plug-in's own clear message rather than a PDB type error.
        gimp_procedure_add_file_argument(procedure, s.name, nick, blurb,
                                         GIMP_FILE_CHOOSER_ACTION_OPEN, TRUE, nullptr, flags);
        break;
      case ParamType::Float:
        gimp_procedure_add_double_argument(procedure, s.name, nick, blurb, s.min, s.max,
                                           s.default_number, flags);
        break;
      case ParamType::Int:
        gimp_procedure_add_int_argument(procedure, s.name, nick, blurb, static_cast<gint>(s.min),
                                        static_cast<gint>(s.max),
                                        static_cast<gint>(s.default_number), flags);
        break;
      case ParamType::Boolean:
        gimp_procedure_add_boolean_argument(procedure, s.name, nick, blurb, s.default_number != 0,
                                            flags);
        break;
      case ParamType::Choice:
        gimp_procedure_add_choice_argument(procedure, s.name, nick, blurb, make_choice(s),
                                           choice_nick(s.id, static_cast<int>(s.default_number)),
                                           flags);
        break;
      case ParamType::Drawable:
        // Only layers are styles: a layer argument lets GIMP refuse anything else, and the
        // dialog's chooser offer layers alone.
        gimp_procedure_add_layer_argument(procedure, s.name, nick, blurb, TRUE, flags);
        break;
      case ParamType::Channel:
        gimp_procedure_add_channel_argument(procedure, s.name, nick, blurb, TRUE, flags);
        break;
    }
  }
}

Values values_from_config(GimpProcedureConfig* config) {
  Values v = default_values();
  for (const ParamSpec& s : parameter_table()) {
    switch (s.type) {
      case ParamType::File: set_string(&v, s.id, path_of_file_property(config, s.name)); break;
      case ParamType::String: {
        gchar* x = nullptr;
        g_object_get(config, s.name, &x, nullptr);
        set_string(&v, s.id, x ? x : "");
        g_free(x);
        break;
      }
      case ParamType::Float: {
        gdouble x = 0;
        g_object_get(config, s.name, &x, nullptr);
        set_number(&v, s.id, x);
        break;
      }
      case ParamType::Int: {
        gint x = 0;
        g_object_get(config, s.name, &x, nullptr);
        set_number(&v, s.id, x);
        break;
      }
      case ParamType::Boolean: {
        gboolean x = FALSE;
        g_object_get(config, s.name, &x, nullptr);
        set_number(&v, s.id, x ? 1 : 0);
        break;
      }
      case ParamType::Choice:
        set_number(&v, s.id, gimp_procedure_config_get_choice_id(config, s.name));
        break;
      case ParamType::Drawable:
      case ParamType::Channel: {
        GObject* raw = nullptr;
        g_object_get(config, s.name, &raw, nullptr);
        const std::unique_ptr<GObject, GObjectUnref> object(raw);
        set_number(&v, s.id,
                   object && GIMP_IS_ITEM(object.get()) ? gimp_item_get_id(GIMP_ITEM(object.get()))
                                                        : kNoItem);
        break;
      }
    }
  }
  return clamped(v);
}

void set_item(GimpProcedureConfig* config, ParamId id, int item_id) {
  GimpItem* item = item_id == kNoItem ? nullptr : gimp_item_get_by_id(item_id);
  g_object_set(config, param_spec(id).name, item, nullptr);
}

}  // namespace neural_style::plugin::gimp3
