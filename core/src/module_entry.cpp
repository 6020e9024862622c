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

// A build may describe itself (tools/build-engine-module.sh records the LibTorch it used), so
// that the dialog can say which engine runs.
std::string version_entry() {
#ifdef NEURAL_STYLE_ENGINE_BUILD_NOTE
  return neural_style::version_string() + ", " + NEURAL_STYLE_ENGINE_BUILD_NOTE;
#else
  return neural_style::version_string();
#endif
}

const neural_style::EngineApi kApi = {
    neural_style::kEngineAbiVersion, &run_entry,        &neural_style::cuda_available,
    &version_entry,                  &run_styles_entry,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const neural_style::EngineApi*
neural_style_engine_api() {
  return &kApi;
}

extern "C" __attribute__((visibility("default"))) neural_style::EngineAbi neural_style_engine_abi() {
  return neural_style::this_build_abi();
}
