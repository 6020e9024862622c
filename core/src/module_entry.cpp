// Entry point of libneural-style-engine.so, the engine as loaded by the GIMP plug-in.
#include "neural_style/engine_module.h"

namespace {

// Each entry returns a Status and lets no exception out: the caller is another library.
neural_style::Status create_entry(const neural_style::EngineConfig& config,
                                  neural_style::Engine** out) {
  try {
    neural_style::EngineHandle engine;
    neural_style::Status s = neural_style::create_engine(config, &engine);
    if (s.ok()) *out = engine.release();
    return s;
  } catch (const std::exception& e) {
    return neural_style::Status::error(neural_style::Status::Code::Internal, e.what());
  }
}

neural_style::Status stylize_entry(neural_style::Engine* engine, const neural_style::Image& content,
                                   const std::vector<neural_style::Image>& styles,
                                   const neural_style::Params& params,
                                   const neural_style::Callbacks& callbacks,
                                   neural_style::Image* result, neural_style::RunInfo* info) {
  if (!engine)
    return neural_style::Status::error(neural_style::Status::Code::InvalidArgument, "no engine");
  return neural_style::stylize(*engine, content, styles, params, callbacks, result, info);
}

void destroy_entry(neural_style::Engine* engine) {
  neural_style::EngineDeleter()(engine);
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
    neural_style::kEngineAbiVersion, &create_entry,  &stylize_entry, &destroy_entry,
    &neural_style::cuda_available,   &version_entry,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const neural_style::EngineApi*
neural_style_engine_api() {
  return &kApi;
}

extern "C" __attribute__((visibility("default"))) neural_style::EngineAbi
neural_style_engine_abi() {
  return neural_style::this_build_abi();
}
