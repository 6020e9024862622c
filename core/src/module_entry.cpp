// Entry point of libneural-style-engine.so, the engine as loaded by the GIMP plug-in.
#include "neural_style/engine_module.h"

namespace {

neural_style::Status run_entry(const neural_style::Image& content, const neural_style::Image& style,
                               const neural_style::Params& params,
                               const neural_style::Callbacks& callbacks,
                               neural_style::Image* result, neural_style::RunInfo* info) {
  return neural_style::run(content, style, params, callbacks, result, info);
}

neural_style::Status run_styles_entry(const neural_style::Image& content,
                                      const std::vector<neural_style::Image>& styles,
                                      const neural_style::Params& params,
                                      const neural_style::Callbacks& callbacks,
                                      neural_style::Image* result, neural_style::RunInfo* info) {
  return neural_style::run(content, styles, params, callbacks, result, info);
}

const neural_style::EngineApi kApi = {
    neural_style::kEngineAbiVersion, &run_entry,        &neural_style::cuda_available,
    &neural_style::version_string,   &run_styles_entry,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const neural_style::EngineApi*
neural_style_engine_api() {
  return &kApi;
}
