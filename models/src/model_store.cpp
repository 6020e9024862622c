#include "neural_style/model_store.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "config.h"
#include "neural_style/vgg19_layout.h"
#include "text.h"

namespace neural_style {

namespace fs = std::filesystem;
using models_text::ends_with;
using models_text::lower;
using models_text::starts_with;

namespace {

std::string file_name(const std::string& path) {
  return fs::path(path).filename().string();
}

// Whether a file in a search folder is a VGG-19 candidate, and which kind: the compact
// safetensors file (what `models fetch` installs) wins over a checkpoint in the same folder.
enum class Candidate { None, Safetensors, Checkpoint };
Candidate candidate_kind(const std::string& name) {
  if (!starts_with(name, "vgg19")) return Candidate::None;
  if (ends_with(name, ".safetensors")) return Candidate::Safetensors;
  if (ends_with(name, ".pth")) return Candidate::Checkpoint;
  return Candidate::None;
}

// How many of VGG-19's convolutions a file holds, from its structure alone (0 when unreadable).
int header_conv_count(const Checkpoint& header) {
  int n = 0;
  for (const ConvSpec& c : vgg19_convs()) {
    auto has = [&](const std::string& name) {
      return std::find(header.names.begin(), header.names.end(), name) != header.names.end();
    };
    if (!has(conv_tensor_name(c, "weight")) || !has(conv_tensor_name(c, "bias"))) break;
    ++n;
  }
  return n;
}

}  // namespace

bool is_bundled_model(const std::string& path) {
  return file_name(path) == kBundledModelFile;
}

std::string user_models_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "neural-style" / "models").string();
  if (const char* home = std::getenv("HOME"); home && *home)
    return (fs::path(home) / ".local" / "share" / "neural-style" / "models").string();
  return {};
}

namespace {

// The configured folders in search order, a folder named twice (or through another spelling or
// a link) kept only where it first appears, so that the search, the listing and the CLI agree.
std::vector<std::string> without_repeats(const std::vector<std::string>& dirs) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    const std::string canonical = fs::weakly_canonical(dir, ec).string();
    if (seen.insert(ec ? dir : canonical).second) out.push_back(dir);
  }
  return out;
}

// <prefix>/share/gimp-neural-style/models for the prefix the running program was installed
// into, found by walking up from the executable: an installation that was moved, or staged with
// DESTDIR and run where it lies, still finds the network it was installed with. "" when none.
std::string installed_beside_executable() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  fs::path dir = exe.parent_path();
  // bin/ is one level below the prefix; a GIMP plug-in's folder
  // (lib/<triplet>/gimp/2.0/plug-ins/gimp-neural-style/) is six.
  for (int up = 0; up < 8 && !dir.empty() && dir != dir.root_path(); ++up) {
    const fs::path models = dir / "share" / "gimp-neural-style" / "models";
    if (fs::is_directory(models, ec)) return models.string();
    dir = dir.parent_path();
  }
  return {};
}

std::vector<std::string> configured_dirs() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("NEURAL_STYLE_MODEL_PATH")) {
    std::string list = path;
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t colon = std::min(list.find(':', start), list.size());
      if (colon > start) dirs.push_back(list.substr(start, colon - start));
      start = colon + 1;
    }
    return dirs;
  }
  if (const char* env = std::getenv("NEURAL_STYLE_MODELS"); env && *env) dirs.emplace_back(env);
  if (std::string user = user_models_dir(); !user.empty()) dirs.push_back(std::move(user));
  dirs.push_back((fs::path(NEURAL_STYLE_DATADIR) / "models").string());
  if (std::string beside = installed_beside_executable(); !beside.empty())
    dirs.push_back(std::move(beside));
#ifdef NEURAL_STYLE_SOURCE_MODELS_DIR
  dirs.emplace_back(NEURAL_STYLE_SOURCE_MODELS_DIR);
#endif
  return dirs;
}

}  // namespace

std::vector<std::string> model_search_dirs() {
  return without_repeats(configured_dirs());
}

std::string find_default_weights() {
  std::string bundled;
  for (const std::string& dir : model_search_dirs()) {
    std::error_code ec;
    std::vector<std::string> safetensors, checkpoints;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      std::error_code fec;
      if (!it->is_regular_file(fec)) continue;
      if (name == kBundledModelFile) {
        if (bundled.empty()) bundled = it->path().string();
        continue;
      }
      switch (candidate_kind(name)) {
        case Candidate::Safetensors: safetensors.push_back(name); break;
        case Candidate::Checkpoint: checkpoints.push_back(name); break;
        case Candidate::None: break;
      }
    }
    for (auto* names : {&safetensors, &checkpoints}) {
      if (names->empty()) continue;
      std::sort(names->begin(), names->end());
      return (fs::path(dir) / names->front()).string();
    }
  }
  return bundled;
}

std::string resolve_weights_file(const std::string& weights_file) {
  if (weights_file == "random") return {};
  return weights_file.empty() ? find_default_weights() : weights_file;
}

std::vector<ModelFileEntry> list_model_files() {
  std::vector<ModelFileEntry> entries;
  const std::string chosen = find_default_weights();
  for (const std::string& dir : model_search_dirs()) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string ext = lower(it->path().extension().string());
      std::error_code fec;
      if ((ext == ".safetensors" || ext == ".pth" || ext == ".pt") && it->is_regular_file(fec))
        files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& p : files) {
      ModelFileEntry e;
      e.path = p.string();
      e.dir = dir;
      std::error_code sec;
      e.bytes = fs::file_size(p, sec);
      e.format = detect_model_format(e.path);
      e.checksum = check_model_checksum(e.path, &e.detail);
      e.default_choice = e.path == chosen;
      e.bundled = is_bundled_model(e.path);
      Checkpoint header;
      if (read_checkpoint(
              e.path, [](const std::string&) { return false; }, &header)
              .ok()) {
        e.conv_count = header_conv_count(header);
        e.metadata = std::move(header.metadata);
      }
      entries.push_back(std::move(e));
    }
  }
  return entries;
}

}  // namespace neural_style
