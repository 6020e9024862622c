#include "neural_style/engine_module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
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

}  // namespace

std::unique_ptr<EngineModule> EngineModule::load(const std::string& path, std::string* error) {
  std::string file = path;
  if (file.empty()) {
    const char* env = std::getenv("NEURAL_STYLE_ENGINE");
    file = (env && *env) ? env : executable_dir() + "/" + kEngineModuleName;
  }
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    *error = "cannot load the style-transfer engine " + file + ": " + (why ? why : "unknown error");
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

EngineModule::~EngineModule() {
  // LibTorch registers global state with atexit handlers and threads; unloading it while they
  // exist crashes at exit, so the handle is deliberately kept open for the process's lifetime.
  (void)handle_;
}

}  // namespace neural_style
