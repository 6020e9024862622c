#include "neural_style/model_store.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config.h"

namespace neural_style {

namespace fs = std::filesystem;

std::vector<std::string> model_search_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("NEURAL_STYLE_MODELS"); env && *env) dirs.emplace_back(env);
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    dirs.push_back((fs::path(xdg) / "neural-style" / "models").string());
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dirs.push_back((fs::path(home) / ".local" / "share" / "neural-style" / "models").string());
  }
  dirs.push_back((fs::path(NEURAL_STYLE_DATADIR) / "models").string());
  return dirs;
}

std::string find_default_weights() {
  for (const std::string& dir : model_search_dirs()) {
    std::error_code ec;
    // The compact safetensors file (what `models fetch` installs) wins over a checkpoint
    // beside it; a .pth is read directly when it is all there is.
    std::vector<std::string> safetensors, checkpoints;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      auto ends_with = [&](const std::string& suffix) {
        return name.size() > suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
      };
      if (name.rfind("vgg19", 0) != 0 || !it->is_regular_file(ec)) continue;
      if (ends_with(".safetensors")) safetensors.push_back(name);
      if (ends_with(".pth")) checkpoints.push_back(name);
    }
    for (auto* names : {&safetensors, &checkpoints}) {
      if (names->empty()) continue;
      std::sort(names->begin(), names->end());
      return (fs::path(dir) / names->front()).string();
    }
  }
  return {};
}

std::string resolve_weights_file(const std::string& weights_file) {
  return weights_file.empty() ? find_default_weights() : weights_file;
}

}  // namespace neural_style
