// Model files without LibTorch: reading checkpoints of every supported format, checking them,
// and writing the compact features-only file the model store installs.
//
// Model files come from the internet and are an attack surface: every parser here checks each
// length, offset, dtype and shape against the file before allocating or reading, executes no
// code, and reports one message naming the file and the problem. Torch-free, so that the
// plug-ins and the fuzz targets can use it without loading the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "neural_style/status.h"

namespace neural_style {

enum class ModelFormat {
  Unknown,
  Safetensors,  // F32, F16, BF16
  TorchZip,     // torch.save since PyTorch 1.6 (a zip archive holding data.pkl)
  TorchLegacy,  // older torch.save (pickle stream followed by raw storages)
};
const char* model_format_name(ModelFormat format);  // "safetensors", "pytorch-zip", ...

// A tensor as read from a file, converted to float32, row-major.
struct FloatTensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

struct Checkpoint {
  ModelFormat format = ModelFormat::Unknown;
  std::map<std::string, FloatTensor> tensors;   // those `wanted` selected
  std::map<std::string, std::string> metadata;  // safetensors __metadata__, or empty
  std::vector<std::string> names;               // every tensor in the file, read or not
};

// Detects the format from the file's first bytes (not its name).
ModelFormat detect_model_format(const std::string& path);

// Reads any supported format. Only tensors for which `wanted(name)` is true are converted
// (a full checkpoint's classifier is skipped); `wanted` empty = all. Names are torchvision's
// ("features.0.weight"); a "module." or "state_dict" wrapper is looked through.
Status read_checkpoint(const std::string& path,
                       const std::function<bool(const std::string&)>& wanted, Checkpoint* out);

// Same, from bytes in memory (for the fuzz targets); `name` is used in messages only.
Status read_checkpoint_bytes(const std::string& name, const std::uint8_t* data, std::size_t size,
                             const std::function<bool(const std::string&)>& wanted,
                             Checkpoint* out);

// Structure and values of a VGG-19 checkpoint: exact shapes of each features.N conv present,
// a contiguous run of convolutions from conv1_1, finite values. `conv_count` receives how many
// convolutions (of 16) the file holds.
struct ModelReport {
  ModelFormat format = ModelFormat::Unknown;
  std::uint64_t file_bytes = 0;
  int conv_count = 0;
  bool caffe_convention = false;
  std::vector<std::string> skipped;  // tensors present but not used (the classifier)
};
Status verify_model(const std::string& path, ModelReport* report);  // report may be null

// Writes float32 tensors as safetensors, atomically (temporary file in the same folder, then
// rename); nothing is left behind on failure.
Status write_safetensors_file(const std::string& path,
                              const std::map<std::string, FloatTensor>& tensors,
                              const std::map<std::string, std::string>& metadata);

// Converts any supported checkpoint into the compact features-only safetensors file the model
// store installs: verified as verify_model() does, the classifier dropped, float32. Metadata:
// the source's own (input_convention), "source" (its file name), "source_format", then
// `extra_metadata` (the caller records the download's URL and SHA-256 there).
Status convert_to_features_file(const std::string& source, const std::string& dest,
                                const std::map<std::string, std::string>& extra_metadata);

}  // namespace neural_style
