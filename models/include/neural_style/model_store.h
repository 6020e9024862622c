// The model store: where pretrained weights are looked for when none is named, which file a run
// uses, and whether each file's contents are still what was recorded. Torch-free and free of
// network libraries, so that `neural-style models list|verify` and the plug-ins' dialogs use it
// without loading the engine or linking libcurl.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "neural_style/model_files.h"
#include "neural_style/status.h"

namespace neural_style {

// The network shipped with gimp-neural-style: VGG-19's ImageNet layers conv1_1 … conv3_4 in
// float16 (models/README.md). It is installed into the data folder and chosen only when no
// other VGG-19 file is found in any folder.
constexpr const char* kBundledModelFile = "vgg19-imagenet-conv1_1-conv3_4-f16.safetensors";
bool is_bundled_model(const std::string& path);  // by file name

// Metadata keys of the files the store installs or ships (safetensors __metadata__).
constexpr const char* kMetaFeaturesSha = "features_sha256";  // see features_sha256()
constexpr const char* kMetaSourceUrl = "source_url";
constexpr const char* kMetaSourceSha = "source_sha256";

// The folders searched, in order. With $NEURAL_STYLE_MODEL_PATH set (colon-separated, may be
// empty) exactly those folders and no others: a fixed search for scripts and tests. Otherwise
// $NEURAL_STYLE_MODELS, $XDG_DATA_HOME/neural-style/models (XDG_DATA_HOME defaulting to
// ~/.local/share), <datadir>/gimp-neural-style/models, the same folder of the prefix the running
// program lies in (found by walking up from the executable, so that a moved or DESTDIR-staged
// installation finds its bundled network), and, in a build that was configured with
// -Dsource_models=true (the default), the source tree's models/ folder, so that a build that was
// never installed finds the bundled network too. A folder named twice is kept where it comes
// first.
std::vector<std::string> model_search_dirs();

// The user's model folder, $XDG_DATA_HOME/neural-style/models: where `models fetch` installs.
std::string user_models_dir();

// The file a run uses when none is named: the first file named vgg19*.safetensors, else
// vgg19*.pth, in model_search_dirs() (sorted by name within a folder, so the choice does not
// depend on the file system), the bundled partial network left out; the bundled file when no
// other is found; "" when there is none at all (the engine's random network).
std::string find_default_weights();

// `weights_file` when not empty, else find_default_weights(). "random" names the random network
// explicitly (returns "").
std::string resolve_weights_file(const std::string& weights_file);

// Lowercase hex SHA-256 of a file. `should_cancel` is polled between blocks.
Status sha256_file(const std::string& path, std::string* hex,
                   const std::function<bool()>& should_cancel = {});

// Whether `expected` (a hex SHA-256 or a prefix of one, lowercase) matches `actual`.
bool sha256_matches(const std::string& expected, const std::string& actual);

// The digest recorded in the metadata as "features_sha256": SHA-256 over the tensors in name
// order, each as its name, a zero byte, the number of dimensions and each dimension as 64-bit
// little-endian integers, then its values as little-endian float32. It does not depend on the
// file's layout or storage type (a float16 file's values are exact in float32), so it survives
// a rewrite of the same tensors.
std::string features_sha256(const Checkpoint& checkpoint);

// Whether a model file's contents are what was recorded: the file's features_sha256, or the
// SHA-256 prefix in a torchvision file name ("vgg19-dcbb9e9d.pth").
enum class ChecksumState {
  Verified,    // recorded and matching
  Mismatch,    // recorded and not matching: the file changed since
  Unverified,  // nothing recorded
  Unreadable,  // the file cannot be parsed
};
const char* checksum_state_name(ChecksumState state);  // "verified", "MISMATCH", ...
ChecksumState check_model_checksum(const std::string& path, std::string* detail);

// One model file in the search folders.
struct ModelFileEntry {
  std::string path;
  std::string dir;
  ModelFormat format = ModelFormat::Unknown;
  std::uint64_t bytes = 0;
  ChecksumState checksum = ChecksumState::Unverified;
  std::string detail;           // why Unreadable or Mismatch
  bool default_choice = false;  // the file a run without --weights uses
  bool bundled = false;         // the network shipped with gimp-neural-style
  int conv_count = 0;           // VGG-19 convolutions held, from the header (0 when unreadable)
  std::map<std::string, std::string> metadata;  // safetensors __metadata__
};
// Every *.safetensors, *.pth and *.pt file in model_search_dirs(), folder by folder in search
// order, sorted by name within a folder.
std::vector<ModelFileEntry> list_model_files();

}  // namespace neural_style
