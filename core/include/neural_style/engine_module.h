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

// The functions the engine module exports, version-checked at load time. Engines are created,
// used and freed through the table (the plug-in never links the engine's code).
struct EngineApi {
  int abi_version;
  Status (*create)(const EngineConfig& config, Engine** engine);
  Status (*stylize)(Engine* engine, const Image& content, const std::vector<Image>& styles,
                    const Params& params, const Callbacks& callbacks, Image* result, RunInfo* info);
  void (*destroy)(Engine* engine);
  bool (*cuda_available)();
  std::string (*version_string)();
};

// Bumped whenever EngineApi or any struct crossing it (Params, Progress, ...) changes layout.
constexpr int kEngineAbiVersion = 5;
constexpr const char* kEngineModuleName = "libneural-style-engine.so";
constexpr const char* kEngineEntryPoint = "neural_style_engine_api";
// A plain C function every module exports besides the table, read before the table is touched:
// the table passes std::string and std::vector, whose layout depends on the C++ library's ABI
// (_GLIBCXX_USE_CXX11_ABI; PyTorch's older wheels were built with the old one).
constexpr const char* kEngineAbiEntryPoint = "neural_style_engine_abi";
struct EngineAbi {
  int abi_version;   // kEngineAbiVersion of the module's build
  int cxx11_abi;     // _GLIBCXX_USE_CXX11_ABI of the module's build
  int string_bytes;  // sizeof(std::string) there
};
EngineAbi this_build_abi();

// Where the plug-in looks for the engine, in order: $NEURAL_STYLE_ENGINE when set; the user's
// engine folder, $XDG_DATA_HOME/neural-style/engine/ (default ~/.local/share/...), where
// tools/build-engine-module.sh installs an engine built against another LibTorch (the official
// one with CUDA, or a PyTorch install); then the module installed beside the executable.
std::string user_engine_dir();
std::vector<std::string> engine_module_candidates();

// An engine created through a module's table, and freed through it.
class ModuleEngine {
 public:
  ModuleEngine(const EngineApi& api, Engine* engine, EngineConfig config)
      : api_(&api), engine_(engine), config_(std::move(config)) {}
  ~ModuleEngine() { api_->destroy(engine_); }
  ModuleEngine(const ModuleEngine&) = delete;
  ModuleEngine& operator=(const ModuleEngine&) = delete;

  Status stylize(const Image& content, const std::vector<Image>& styles, const Params& params,
                 const Callbacks& callbacks, Image* result, RunInfo* info) const {
    return api_->stylize(engine_, content, styles, params, callbacks, result, info);
  }
  const EngineConfig& config() const { return config_; }

 private:
  const EngineApi* api_;
  Engine* engine_;  // owned: freed by api_->destroy
  EngineConfig config_;
};

// Creates an engine through `api`; nullptr and *status filled when it cannot be loaded.
std::unique_ptr<ModuleEngine> create_module_engine(const EngineApi& api, const EngineConfig& config,
                                                   Status* status);

class EngineModule {
 public:
  // Loads `path`. Returns nullptr and fills *error (one line naming the file and the reason)
  // when it cannot be loaded or does not match this build's ABI.
  static std::unique_ptr<EngineModule> load(const std::string& path, std::string* error);
  // $NEURAL_STYLE_ENGINE when set (an error when it cannot be loaded); else the first of
  // engine_module_candidates() whose file exists. A user-built engine that does not match is
  // refused with a message saying how to rebuild or remove it, rather than passed over: loading
  // the packaged engine after it would put two LibTorch builds in one process.
  static std::unique_ptr<EngineModule> load_default(std::string* error);
  ~EngineModule();
  EngineModule(const EngineModule&) = delete;
  EngineModule& operator=(const EngineModule&) = delete;

  const EngineApi& api() const { return *api_; }
  const std::string& path() const { return path_; }
  bool user_built() const { return user_built_; }  // from user_engine_dir()

 private:
  EngineModule() = default;
  void* handle_ = nullptr;  // dlopen handle, closed in the destructor
  const EngineApi* api_ = nullptr;
  std::string path_;
  bool user_built_ = false;
};

}  // namespace neural_style
