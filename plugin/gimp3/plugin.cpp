// GIMP 3 adapter of gimp-neural-style: registers plug-in-neural-style and maps a run onto
// plugin/common. Everything that GIMP 2 and 3 share (pixels, the new layer, messages, the worker
// thread) lives there; this file only speaks libgimp-3.0's object API.
//
// Sections in GIMP's usual order: constants, the GimpPlugIn subclass, registration, run(),
// processing.

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include <memory>
#include <string>
#include <vector>

#include "common/host.h"
#include "common/i18n.h"
#include "common/messages.h"
#include "common/parameters.h"
#include "common/pixels.h"
#include "common/procedure_config.h"
#include "common/run_sequence.h"
#include "common/weights.h"
#include "neural_style/engine_module.h"
#include "neural_style/neural_style.h"
#include "ui/gimp3/dialog.h"
#include "ui/run_window.h"

namespace ns = neural_style;
namespace np = neural_style::plugin;

// --- The GimpPlugIn subclass -----------------------------------------------------------------

G_DECLARE_FINAL_TYPE(NeuralStylePlugIn, neural_style_plug_in, NEURAL_STYLE, PLUG_IN, GimpPlugIn)

struct _NeuralStylePlugIn {
  GimpPlugIn parent_instance;
};

G_DEFINE_TYPE(NeuralStylePlugIn, neural_style_plug_in, GIMP_TYPE_PLUG_IN)

namespace {

GimpValueArray* run(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image,
                    GimpDrawable** drawables, GimpProcedureConfig* config, gpointer run_data);

// --- Registration ----------------------------------------------------------------------------

GList* query_procedures(GimpPlugIn*) {
  return g_list_append(nullptr, g_strdup(np::kProcedureName));
}

GimpProcedure* create_procedure(GimpPlugIn* plug_in, const gchar* name) {
  if (g_strcmp0(name, np::kProcedureName) != 0) return nullptr;

  GimpProcedure* procedure =
      gimp_image_procedure_new(plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, run, nullptr, nullptr);
  gimp_procedure_set_image_types(procedure, np::kImageTypes);
  gimp_procedure_set_sensitivity_mask(
      procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE | GIMP_PROCEDURE_SENSITIVE_DRAWABLES);
  gimp_procedure_set_menu_label(procedure, _("_Neural Style Transfer…"));
  gimp_procedure_add_menu_path(procedure, np::kMenuPath);
  gimp_procedure_set_documentation(
      procedure, _("Repaint the layer in the style of another picture"),
      _("Gatys et al. neural style transfer with VGG-19: the selected layers (or the selection "
        "within them) are redrawn with the textures and colours of the style image. Each "
        "selected layer gets a new layer \"<name> (neural style)\" above it; the source layers "
        "are not changed."),
      np::kProcedureName);
  gimp_procedure_set_attribution(procedure, "gimp-neural-style authors",
                                 "gimp-neural-style authors", "2026");

  np::gimp3::add_arguments(procedure);
  gimp_procedure_add_layer_return_value(
      procedure, "new-layer", _("New layer"),
      _("The result layer (of the first selected layer when several were selected; none when the "
        "selection misses every layer)"),
      TRUE, G_PARAM_READWRITE);
  gimp_procedure_add_core_object_array_return_value(
      procedure, "new-layers", _("New layers"),
      _("Every result layer, in the order of the selected layers"), GIMP_TYPE_LAYER,
      G_PARAM_READWRITE);
  return procedure;
}

// GIMP's default looks for catalogues only in a locale/ folder next to the executable; a
// system install keeps them in LOCALEDIR instead, where init_i18n() has already bound them.
gboolean set_i18n(GimpPlugIn*, const gchar*, gchar** gettext_domain, gchar** catalog_dir) {
  gchar* dir = g_path_get_dirname(gimp_get_progname());
  gchar* local = g_build_filename(dir, "locale", nullptr);
  const bool next_to_executable = g_file_test(local, G_FILE_TEST_IS_DIR);
  g_free(local);
  g_free(dir);
  if (!next_to_executable) return FALSE;
  *gettext_domain = g_strdup(GETTEXT_PACKAGE);
  *catalog_dir = nullptr;  // "locale/"
  return TRUE;
}

// --- run() -----------------------------------------------------------------------------------

GimpValueArray* failure(GimpProcedure* procedure, GimpPDBStatusType status,
                        const std::string& message) {
  return gimp_procedure_new_return_values(
      procedure, status, g_error_new_literal(GIMP_PLUG_IN_ERROR, 0, message.c_str()));
}

// new-layer (the first result, or none) and new-layers (all of them).
GimpValueArray* success(GimpProcedure* procedure, const std::vector<GimpLayer*>& layers) {
  GimpValueArray* values = gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, nullptr);
  GIMP_VALUES_SET_LAYER(values, 1, layers.empty() ? nullptr : layers.front());
  std::vector<GimpLayer*> all = layers;
  all.push_back(nullptr);  // the array's end
  GIMP_VALUES_SET_CORE_OBJECT_ARRAY(values, 2, all.data());
  return values;
}

GimpValueArray* run(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image,
                    GimpDrawable** drawables, GimpProcedureConfig* config, gpointer) {
  const bool interactive = run_mode == GIMP_RUN_INTERACTIVE;

  std::vector<np::Source> sources;
  bool any_drawable = false;
  for (GimpDrawable** d = drawables; d && *d; ++d) {
    any_drawable = true;
    np::Source source;
    std::string error;
    switch (np::inspect_source(image, *d, &source, &error)) {
      case np::SourceCheck::Usable: sources.push_back(std::move(source)); break;
      case np::SourceCheck::OutsideSelection: break;  // nothing to do there, as in GIMP's filters
      case np::SourceCheck::NotALayer: return failure(procedure, GIMP_PDB_CALLING_ERROR, error);
      case np::SourceCheck::Unusable: return failure(procedure, GIMP_PDB_EXECUTION_ERROR, error);
    }
  }
  if (!any_drawable)
    return failure(procedure, GIMP_PDB_CALLING_ERROR,
                   _("No layer is selected. Select the layer to process and try again."));
  if (sources.empty()) return success(procedure, {});

  // LibTorch is loaded only now, when a run really happens (see engine_module.h).
  std::string load_error;
  const std::unique_ptr<ns::EngineModule> engine = ns::EngineModule::load_default(&load_error);

  // Last values may name layers or channels that are gone, or belong to another image.
  if (run_mode != GIMP_RUN_NONINTERACTIVE) {
    const np::Values last = np::gimp3::values_from_config(config);
    const np::Values kept = np::forget_stale_items(image, last);
    for (const np::ParamSpec& s : np::parameter_table())
      if (np::is_item(s.type) && np::get_number(kept, s.id) != np::get_number(last, s.id))
        np::gimp3::set_item(config, s.id, np::kNoItem);
  }
  if (interactive) {
    np::ui::DialogContext context;
    context.region_width = sources.front().region.width;
    context.region_height = sources.front().region.height;
    context.layer_count = static_cast<int>(sources.size());
    context.gpu_available = engine && engine->api().cuda_available();
    context.gpu_unavailable_reason = np::gpu_unavailable_reason(engine != nullptr, load_error);
    if (engine) {
      context.engine_text = np::engine_description(*engine);
      context.engine_path = engine->path();
    }
    context.engine = engine.get();
    context.engine_load_error = load_error;
    context.source = &sources.front();
    context.image = image;
    if (!np::ui::run_settings_dialog(procedure, config, context))
      return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, nullptr);
  }
  np::RunRequest request;
  request.sources = std::move(sources);
  request.values = np::gimp3::values_from_config(config);
  // Repeat (last values) on the screen gets the progress window, its preview and Cancel too.
  const bool repeat_on_screen = run_mode == GIMP_RUN_WITH_LAST_VALS && np::on_screen();
  if (repeat_on_screen) gimp_ui_init(np::kBinaryName);
  request.interactive = interactive || repeat_on_screen;
  const char* window_title = request.interactive ? np::ui::dialog_title() : nullptr;
  const np::RunOutcome outcome = np::run_request(engine.get(), load_error, request, [window_title] {
    return np::ui::open_progress_display(window_title);
  });
  switch (outcome.kind) {
    case np::RunOutcome::Kind::Done: break;
    case np::RunOutcome::Kind::Cancelled:
      return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, nullptr);
    case np::RunOutcome::Kind::CallingError:
      return failure(procedure, GIMP_PDB_CALLING_ERROR, outcome.error);
    case np::RunOutcome::Kind::ExecutionError:
      return failure(procedure, GIMP_PDB_EXECUTION_ERROR, outcome.error);
  }
  if (run_mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();

  return success(procedure, outcome.layers);
}

}  // namespace

static void neural_style_plug_in_class_init(NeuralStylePlugInClass* klass) {
  GimpPlugInClass* plug_in_class = GIMP_PLUG_IN_CLASS(klass);
  plug_in_class->query_procedures = query_procedures;
  plug_in_class->create_procedure = create_procedure;
  plug_in_class->set_i18n = set_i18n;
}

static void neural_style_plug_in_init(NeuralStylePlugIn*) {}

int main(int argc, char* argv[]) {
  np::init_i18n(argc > 0 ? argv[0] : nullptr);
  return gimp_main(neural_style_plug_in_get_type(), argc, argv);
}
