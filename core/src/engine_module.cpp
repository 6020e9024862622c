#include "neural_style/engine_module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace neural_style {

namespace {

std::string executable_dir() {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return ".";
  std::string path(buf.data(), static_cast<std::size_t>(n));
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string abi_text(const EngineAbi& abi) {
  return "ABI " + std::to_string(abi.abi_version) + ", C++11 string ABI " +
         std::to_string(abi.cxx11_abi) + ", std::string of " + std::to_string(abi.string_bytes) +
         " bytes";
}

}  // namespace

EngineAbi this_build_abi() {
  return {kEngineAbiVersion, _GLIBCXX_USE_CXX11_ABI, static_cast<int>(sizeof(std::string))};
}

std::string user_engine_dir() {
  namespace fs = std::filesystem;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "neural-style" / "engine").string();
  if (const char* home = std::getenv("HOME"); home && *home)
    return (fs::path(home) / ".local" / "share" / "neural-style" / "engine").string();
  return {};
}

std::vector<std::string> engine_module_candidates() {
  std::vector<std::string> files;
  if (const char* env = std::getenv("NEURAL_STYLE_ENGINE"); env && *env) files.emplace_back(env);
  if (const std::string user = user_engine_dir(); !user.empty())
    files.push_back(user + "/" + kEngineModuleName);
  files.push_back(executable_dir() + "/" + kEngineModuleName);
  return files;
}

std::unique_ptr<EngineModule> EngineModule::load(const std::string& file, std::string* error) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    *error = "cannot load the style-transfer engine " + file + ": " + (why ? why : "unknown error");
    return nullptr;
  }
  // The plain C entry first: nothing of the table is read unless the layouts agree.
  using AbiEntry = EngineAbi (*)();
  auto abi_entry = reinterpret_cast<AbiEntry>(dlsym(handle, kEngineAbiEntryPoint));
  const EngineAbi want = this_build_abi();
  const EngineAbi have = abi_entry ? abi_entry() : EngineAbi{0, -1, 0};
  if (have.abi_version != want.abi_version || have.cxx11_abi != want.cxx11_abi ||
      have.string_bytes != want.string_bytes) {
    *error = "the style-transfer engine " + file + " was built for " +
             (abi_entry ? abi_text(have) : std::string("an older plug-in")) +
             "; this plug-in needs " + abi_text(want);
    dlclose(handle);
    return nullptr;
  }
  using Entry = const EngineApi* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, kEngineEntryPoint));
  const EngineApi* api = entry ? entry() : nullptr;
  if (!api || api->abi_version != kEngineAbiVersion) {
    *error = "the style-transfer engine " + file + " does not match this plug-in (reinstall it)";
    dlclose(handle);
    return nullptr;
  }
  std::unique_ptr<EngineModule> module(new EngineModule());
  module->handle_ = handle;
  module->api_ = api;
  module->path_ = file;
  return module;
}

std::unique_ptr<EngineModule> EngineModule::load_default(std::string* error) {
  const std::vector<std::string> files = engine_module_candidates();
  const std::string user_dir = user_engine_dir();
  const std::string user = user_dir + "/" + kEngineModuleName;
  const char* env = std::getenv("NEURAL_STYLE_ENGINE");
  const bool named = env && *env;
  for (std::size_t i = 0; i < files.size(); ++i) {
    // A module named in $NEURAL_STYLE_ENGINE, and the packaged engine (the last candidate), are
    // tried even when missing, so that the error names them; the user's is optional.
    const bool must_try = (named && i == 0) || i + 1 == files.size();
    if (!must_try && access(files[i].c_str(), F_OK) != 0) continue;
    std::unique_ptr<EngineModule> module = load(files[i], error);
    const bool user_built = !user_dir.empty() && files[i] == user && !(named && i == 0);
    if (!module) {
      if (user_built)
        *error +=
            ". Rebuild it with tools/build-engine-module.sh, or remove it to use the "
            "engine installed with the plug-in";
      return nullptr;
    }
    module->user_built_ = user_built;
    return module;
  }
  return nullptr;
}

std::unique_ptr<ModuleEngine> create_module_engine(const EngineApi& api, const EngineConfig& config,
                                                   Status* status) {
  Engine* engine = nullptr;
  *status = api.create(config, &engine);
  if (!status->ok() || !engine) {
    if (status->ok()) *status = Status::error(Status::Code::Internal, "the engine created nothing");
    return nullptr;
  }
  return std::make_unique<ModuleEngine>(api, engine, config);
}

EngineModule::~EngineModule() {
  // LibTorch registers global state with atexit handlers and threads; unloading it while they
  // exist crashes at exit, so the handle is deliberately kept open for the process's lifetime.
  (void)handle_;
}

}  // namespace neural_style
