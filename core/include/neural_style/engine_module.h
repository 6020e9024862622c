// Loading the engine at run time.
//
// GIMP starts every plug-in executable just to query it. Linking LibTorch into the plug-in would
// load several hundred MB of libraries and run LibTorch's static initialisers on every GIMP
// start, so the plug-in links only the torch-free part of the core and dlopen()s the engine
// (a shared module holding LibTorch) when a run actually happens.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style {

// The functions the engine module exports, version-checked at load time.
struct EngineApi {
  int abi_version;
  Status (*run)(const Image& content, const Image& style, const Params& params,
                const Callbacks& callbacks, Image* result, RunInfo* info);
  bool (*cuda_available)();
  std::string (*version_string)();
  // Version 2: several style images blended with Params::style_blend.
  Status (*run_styles)(const Image& content, const std::vector<Image>& styles, const Params& params,
                       const Callbacks& callbacks, Image* result, RunInfo* info);
};

// Bumped whenever EngineApi or any struct crossing it (Params, Progress, ...) changes layout.
constexpr int kEngineAbiVersion = 2;
constexpr const char* kEngineModuleName = "libneural-style-engine.so";
constexpr const char* kEngineEntryPoint = "neural_style_engine_api";

class EngineModule {
 public:
  // Loads `path`; when empty, $NEURAL_STYLE_ENGINE, else kEngineModuleName in the folder of the
  // running executable. Returns nullptr and fills *error when it cannot.
  static std::unique_ptr<EngineModule> load(const std::string& path, std::string* error);
  ~EngineModule();
  EngineModule(const EngineModule&) = delete;
  EngineModule& operator=(const EngineModule&) = delete;

  const EngineApi& api() const { return *api_; }
  const std::string& path() const { return path_; }

 private:
  EngineModule() = default;
  void* handle_ = nullptr;  // dlopen handle, closed in the destructor
  const EngineApi* api_ = nullptr;
  std::string path_;
};

}  // namespace neural_style
