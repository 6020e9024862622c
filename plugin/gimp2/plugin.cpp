// GIMP 2.10 entry point of the neural style plug-in.
//
// Order as in GIMP's own filters: constants, forward declarations, registration (query), run,
// processing. The dialogs live in ui/gimp2, everything both GIMP versions share in
// plugin/common; this file only maps GIMP 2's PDB calling convention onto them.

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/host.h"
#include "common/i18n.h"
#include "common/messages.h"
#include "common/parameters.h"
#include "common/run_sequence.h"
#include "common/weights.h"
#include "neural_style/engine_module.h"
#include "ui/gimp2/dialog.h"
#include "ui/run_window.h"

namespace {

namespace ns = neural_style;
namespace np = neural_style::plugin;

// run-mode, image and drawable come before the table's rows.
constexpr int kFixedArgs = 3;

void query();
void run(const gchar* name, gint nparams, const GimpParam* param, gint* nreturn_vals,
         GimpParam** return_vals);

// --- Registration -------------------------------------------------------------------------------

GimpPDBArgType pdb_type(np::ParamType type) {
  switch (type) {
    case np::ParamType::String:
    case np::ParamType::File: return GIMP_PDB_STRING;
    case np::ParamType::Float: return GIMP_PDB_FLOAT;
    case np::ParamType::Drawable: return GIMP_PDB_DRAWABLE;
    case np::ParamType::Channel: return GIMP_PDB_CHANNEL;
    default: return GIMP_PDB_INT32;
  }
}

// The PDB browser shows only these descriptions, so they carry range and choices too.
std::string pdb_description(const np::ParamSpec& s) {
  std::string d = s.tooltip;
  if (s.type == np::ParamType::Choice) {
    d += " (";
    for (std::size_t i = 0; i < s.choices.size(); ++i) {
      if (i) d += ", ";
      d += std::to_string(i) + " = " + s.choices[i];
    }
    d += ")";
  } else if (s.type == np::ParamType::Boolean) {
    d += " (0 or 1)";
  } else if (np::is_item(s.type)) {
    d += " (an ID, or -1)";
  } else if (s.type != np::ParamType::String) {
    char range[96];
    std::snprintf(range, sizeof range, " (%g to %g)", s.min, s.max);
    d += range;
  }
  return d;
}

void query() {
  std::vector<std::string> descriptions;  // must outlive gimp_install_procedure
  for (const np::ParamSpec& s : np::parameter_table()) descriptions.push_back(pdb_description(s));

  std::vector<GimpParamDef> args = {
      {GIMP_PDB_INT32, const_cast<gchar*>("run-mode"),
       const_cast<gchar*>("The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }")},
      {GIMP_PDB_IMAGE, const_cast<gchar*>("image"), const_cast<gchar*>("Input image")},
      {GIMP_PDB_DRAWABLE, const_cast<gchar*>("drawable"),
       const_cast<gchar*>("Input layer (left unchanged)")},
  };
  for (const np::ParamSpec& s : np::parameter_table())
    args.push_back({pdb_type(s.type), const_cast<gchar*>(s.name),
                    const_cast<gchar*>(descriptions[s.id].c_str())});
  GimpParamDef return_vals[] = {
      {GIMP_PDB_LAYER, const_cast<gchar*>("layer"), const_cast<gchar*>("The new layer")},
  };

  // GIMP translates the menu label and blurb itself, from the catalogue registered here.
  np::init_i18n(gimp_get_progname());
  gimp_plugin_domain_register(GETTEXT_PACKAGE, np::locale_dir());
  gimp_install_procedure(
      np::kProcedureName, N_("Repaint the layer in the style of another picture"),
      "Runs the neural style transfer of Gatys, Ecker and Bethge (VGG-19) on the layer, or on "
      "the selection's bounding box, and adds the result as a new layer named "
      "\"<layer> (neural style)\" above it; the source layer is left unchanged.",
      "gimp-neural-style authors", "gimp-neural-style authors", "2026",
      N_("_Neural Style Transfer…"), np::kImageTypes, GIMP_PLUGIN, static_cast<gint>(args.size()),
      G_N_ELEMENTS(return_vals), args.data(), return_vals);
  gimp_plugin_menu_register(np::kProcedureName, np::kMenuPath);
}

// --- Run --------------------------------------------------------------------------------------

// GIMP 2 keeps plug-in data (gimp_set_data) only for the session; a copy in the user's GIMP
// folder makes the last values survive a restart, as GIMP 3 does on its own.
std::string values_file() {
  gchar* path = g_build_filename(gimp_directory(), "gimp-neural-style-values", nullptr);
  std::string out(path);
  g_free(path);
  return out;
}

np::Values load_last_values() {
  std::string text;
  if (const gint size = gimp_get_data_size(np::kProcedureName); size > 0) {
    std::vector<char> data(static_cast<std::size_t>(size));
    gimp_get_data(np::kProcedureName, data.data());
    text.assign(data.data(), data.size());
  } else {
    gchar* contents = nullptr;
    if (g_file_get_contents(values_file().c_str(), &contents, nullptr, nullptr)) text = contents;
    g_free(contents);
  }
  return np::parse_values(text, np::default_values());
}

void save_last_values(const np::Values& values) {
  const std::string text = np::serialize_values(values);
  gimp_set_data(np::kProcedureName, text.c_str(), text.size());
  // Losing the copy on disk only costs the next session its starting values. Item IDs hold only
  // within a session: in the next one they would name other layers and channels.
  const std::string lasting = np::serialize_values(np::without_items(values));
  g_file_set_contents(values_file().c_str(), lasting.c_str(), static_cast<gssize>(lasting.size()),
                      nullptr);
}

// Values from the PDB arguments: the first `count` rows (callers written for an earlier version
// pass fewer), the others keep their defaults. Returns false when an argument has the wrong type.
bool values_from_args(const GimpParam* param, int count, np::Values* values) {
  for (const np::ParamSpec& s : np::parameter_table()) {
    if (s.id >= count) break;
    const GimpParam& p = param[kFixedArgs + s.id];
    if (p.type != pdb_type(s.type)) return false;
    switch (s.type) {
      case np::ParamType::String:
      case np::ParamType::File:
        np::set_string(values, s.id, p.data.d_string ? p.data.d_string : "");
        break;
      case np::ParamType::Float: np::set_number(values, s.id, p.data.d_float); break;
      case np::ParamType::Drawable: np::set_number(values, s.id, p.data.d_drawable); break;
      case np::ParamType::Channel: np::set_number(values, s.id, p.data.d_channel); break;
      default: np::set_number(values, s.id, p.data.d_int32); break;
    }
  }
  return true;
}

struct Outcome {
  GimpPDBStatusType status = GIMP_PDB_SUCCESS;
  std::string error;
  np::LayerRef layer = np::kNoLayer;
};

Outcome fail(GimpPDBStatusType status, std::string message) {
  return {status, std::move(message), np::kNoLayer};
}

Outcome process(GimpRunMode mode, gint32 image, gint32 drawable, const np::Values& initial);

void run(const gchar* /*name*/, gint nparams, const GimpParam* param, gint* nreturn_vals,
         GimpParam** return_vals) {
  static GimpParam values[2];
  static std::string error_text;  // must stay valid after run() returns
  *return_vals = values;
  *nreturn_vals = 1;
  values[0].type = GIMP_PDB_STATUS;

  np::init_i18n(gimp_get_progname());
  gegl_init(nullptr, nullptr);

  const auto mode = static_cast<GimpRunMode>(param[0].data.d_int32);
  np::Values initial = np::default_values();
  Outcome outcome;
  switch (mode) {
    case GIMP_RUN_INTERACTIVE:
    case GIMP_RUN_WITH_LAST_VALS: initial = load_last_values(); break;
    case GIMP_RUN_NONINTERACTIVE:
      // Arguments added in later versions go after the current ones, so more is fine; fewer
      // is fine down to the first version's rows (the rest then keep their defaults).
      if (nparams < kFixedArgs + np::kFirstVersionParamCount ||
          !values_from_args(
              param, std::min(nparams - kFixedArgs, static_cast<int>(np::kParamCount)), &initial))
        outcome = fail(GIMP_PDB_CALLING_ERROR, _("Wrong number or type of arguments."));
      break;
  }
  if (outcome.status == GIMP_PDB_SUCCESS)
    outcome = process(mode, param[1].data.d_image, param[2].data.d_drawable, initial);

  values[0].data.d_status = outcome.status;
  if (outcome.status == GIMP_PDB_SUCCESS) {
    *nreturn_vals = 2;
    values[1].type = GIMP_PDB_LAYER;
    values[1].data.d_layer = outcome.layer;
    if (mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
  } else if (!outcome.error.empty()) {
    // libgimp's convention: an error status followed by a string is the error message, which
    // GIMP shows to the user and scripts receive as the failure text.
    error_text = outcome.error;
    *nreturn_vals = 2;
    values[1].type = GIMP_PDB_STRING;
    values[1].data.d_string = const_cast<gchar*>(error_text.c_str());
  }
  gegl_exit();
}

// --- Processing -------------------------------------------------------------------------------

Outcome process(GimpRunMode mode, gint32 image, gint32 drawable, const np::Values& initial) {
  np::Source source;
  std::string error;
  switch (np::inspect_source(image, drawable, &source, &error)) {
    case np::SourceCheck::Usable: break;
    case np::SourceCheck::OutsideSelection: return {};  // nothing to do, as in GIMP's filters
    case np::SourceCheck::NotALayer: return fail(GIMP_PDB_CALLING_ERROR, error);
    case np::SourceCheck::Unusable: return fail(GIMP_PDB_EXECUTION_ERROR, error);
  }

  // Loading the engine pulls in LibTorch (about a second), so it happens only when a run is
  // really wanted, never while GIMP queries the plug-in.
  std::string load_error;
  std::unique_ptr<ns::EngineModule> engine = ns::EngineModule::load_default(&load_error);

  // Last values may name layers or channels that are gone, or belong to another image.
  np::Values values =
      mode == GIMP_RUN_NONINTERACTIVE ? initial : np::forget_stale_items(image, initial);
  if (mode == GIMP_RUN_INTERACTIVE) {
    gimp_ui_init(np::kBinaryName, FALSE);
    np::ui::DialogContext context;
    context.region_width = source.region.width;
    context.region_height = source.region.height;
    context.gpu_available = engine && engine->api().cuda_available();
    context.gpu_unavailable_reason = np::gpu_unavailable_reason(engine != nullptr, load_error);
    if (engine) {
      context.engine_text = np::engine_description(*engine);
      context.engine_path = engine->path();
    }
    context.engine = engine.get();
    context.engine_load_error = load_error;
    context.source = &source;
    context.image = image;
    if (!np::ui::run_settings_dialog(&values, context)) return fail(GIMP_PDB_CANCEL, "");
    save_last_values(values);
  }
  np::RunRequest request;
  request.sources = {source};
  request.values = values;
  // Repeat (last values) on the screen gets the progress window and its Cancel too.
  const bool repeat_on_screen = mode == GIMP_RUN_WITH_LAST_VALS && np::on_screen();
  if (repeat_on_screen) gimp_ui_init(np::kBinaryName, FALSE);
  request.interactive = mode == GIMP_RUN_INTERACTIVE || repeat_on_screen;
  const char* window_title = request.interactive ? np::ui::run_window_title() : nullptr;
  const np::RunOutcome outcome = np::run_request(engine.get(), load_error, request, [window_title] {
    return np::ui::open_progress_display(window_title);
  });
  switch (outcome.kind) {
    case np::RunOutcome::Kind::Done: break;
    case np::RunOutcome::Kind::Cancelled: return fail(GIMP_PDB_CANCEL, "");
    case np::RunOutcome::Kind::CallingError: return fail(GIMP_PDB_CALLING_ERROR, outcome.error);
    case np::RunOutcome::Kind::ExecutionError: return fail(GIMP_PDB_EXECUTION_ERROR, outcome.error);
  }
  if (mode == GIMP_RUN_NONINTERACTIVE) save_last_values(values);
  Outcome done;
  done.layer = outcome.layers.front();
  return done;
}

}  // namespace

const GimpPlugInInfo PLUG_IN_INFO = {
    nullptr,  // init
    nullptr,  // quit
    query,
    run,
};

MAIN()
