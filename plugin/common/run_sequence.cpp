#include "run_sequence.h"

#include <glib.h>

#include <algorithm>
#include <utility>

#include "i18n.h"
#include "messages.h"
#include "pixels.h"
#include "weights.h"

namespace neural_style::plugin {
namespace {

namespace ns = neural_style;

RunOutcome failed(RunOutcome::Kind kind, std::string error) {
  RunOutcome out;
  out.kind = kind;
  out.error = std::move(error);
  return out;
}

// In a GUI a warning is a message the user sees; in batch mode it would only reach the console
// as a dialog-less message, so it goes to stderr, where GIMP's log keeps it.
void report_warnings(const std::vector<std::string>& warnings, bool interactive) {
  for (const std::string& warning : warnings) {
    if (interactive)
      g_message("%s", warning.c_str());
    else
      g_printerr("gimp-neural-style: %s\n", warning.c_str());
  }
}

}  // namespace

std::string check_settings(const Values& values) {
  if (std::string error = check_ranges(values); !error.empty()) return error;
  if (!slot_used(values, 0)) return style_file_error("", "");
  return {};
}

RunOutcome run_request(const ns::EngineModule* engine, const std::string& load_error,
                       const RunRequest& request, const OpenProgressDisplay& open_display) {
  using Kind = RunOutcome::Kind;
  const Values& values = request.values;
  if (const std::string settings_error = check_settings(values); !settings_error.empty())
    return failed(Kind::CallingError, settings_error);
  if (!request.sources.empty())
    if (std::string error = check_items(request.sources.front().image, values); !error.empty())
      return failed(Kind::CallingError, error);
  if (!engine) return failed(Kind::ExecutionError, engine_load_error(load_error));

  std::string error;
  std::vector<ns::Image> styles;
  std::vector<ns::Mask> source_masks;
  const std::vector<int> slots = style_slots(values);
  for (int slot : slots) {
    ns::Image style;
    ns::Mask source_mask;
    const bool ok =
        values.style_drawables[slot] != kNoItem
            ? read_style_drawable(values.style_drawables[slot], request.sources.front().image,
                                  &style, &source_mask, &error)
            : load_style_image(get_string(values, kStyleFileIds[slot]), &style, &error);
    if (!ok) return failed(Kind::ExecutionError, error);
    styles.push_back(std::move(style));
    source_masks.push_back(std::move(source_mask));
  }
  ns::Params params = to_engine_params(values);
  params.weights_file = resolve_weights_file(values.weights_file);
  // The engine takes no masks at all as "every style image whole", as the CLI without
  // --style-source-mask.
  if (std::any_of(source_masks.begin(), source_masks.end(),
                  [](const ns::Mask& m) { return !m.empty(); }))
    params.style_source_masks = std::move(source_masks);
  const bool any_region = std::any_of(
      slots.begin(), slots.end(), [&](int slot) { return values.style_regions[slot] != kNoItem; });

  EngineSession session(engine->api());
  std::vector<RgbaImage> results;
  std::vector<std::string> warnings;  // each said once, however many layers repeat it
  for (const Source& source : request.sources) {
    RgbaImage pixels;
    if (!read_source(source, &pixels, &error)) return failed(Kind::ExecutionError, error);
    Job job;
    job.content = rgb_of(pixels);
    job.styles = styles;
    job.params = params;
    // Regions are cut to each source's own region of the image.
    if (any_region) {
      for (int slot : slots) {
        ns::Mask region;
        if (values.style_regions[slot] != kNoItem &&
            !read_region(values.style_regions[slot], source, &region, &error))
          return failed(Kind::ExecutionError, error);
        job.params.style_regions.push_back(std::move(region));
      }
    }

    gimp_progress_init(_("Neural style: starting…"));
    JobResult result;
    {
      const std::unique_ptr<ProgressDisplay> display = open_display();
      result = run_job(session, std::move(job), display->hooks());
    }
    gimp_progress_end();
    for (std::string& w : result.warnings)
      if (std::find(warnings.begin(), warnings.end(), w) == warnings.end())
        warnings.push_back(std::move(w));

    if (result.status.code == ns::Status::Code::Cancelled) {
      report_warnings(warnings, request.interactive);
      return failed(Kind::Cancelled, "");
    }
    if (!result.status.ok()) {
      report_warnings(warnings, request.interactive);
      return failed(Kind::ExecutionError, error_message(result.status));
    }
    // Colour handling (color-mode, preserve-colors) happened in the engine.
    RgbaImage out = with_alpha_of(result.image, pixels);
    if (out.pixel_count() != pixels.pixel_count())
      return failed(Kind::ExecutionError, error_message(ns::Status::error(
                                              ns::Status::Code::Internal,
                                              "the engine returned an image of the wrong size")));
    results.push_back(std::move(out));
  }
  report_warnings(warnings, request.interactive);

  RunOutcome done;
  if (request.sources.empty()) return done;
  // One undo step removes every layer this run added.
  UndoGroup undo(request.sources.front().image);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const LayerRef layer = add_result_layer(request.sources[i], results[i], &error);
    if (layer == kNoLayer) {
      for (LayerRef added : done.layers) remove_layer(request.sources.front().image, added);
      return failed(Kind::ExecutionError, error);
    }
    done.layers.push_back(layer);
  }
  return done;
}

}  // namespace neural_style::plugin
