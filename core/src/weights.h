// Reading model weights into LibTorch tensors. The parsing itself is torch-free
// (neural_style/model_files.h): every length, offset, dtype and shape is checked against the
// file before anything is allocated or read, whatever the format.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "neural_style/model_files.h"
#include "neural_style/neural_style.h"

namespace neural_style {

struct WeightsFile {
  ModelFormat format = ModelFormat::Unknown;
  std::map<std::string, torch::Tensor> tensors;  // float32, CPU
  std::map<std::string, std::string> metadata;   // safetensors "__metadata__"
  std::vector<std::string> names;                // every tensor in the file, read or not
};

// Reads a weights file of any supported format (safetensors, PyTorch zip or legacy). Only
// tensors for which `wanted(name)` is true are read (the classifier of a full checkpoint is
// skipped); every floating type is converted to float32. Returns ModelError with a message
// naming the file and the problem.
Status read_weights(const std::string& path, const std::function<bool(const std::string&)>& wanted,
                    WeightsFile* out);

// How many of VGG-19's convolutions, from the first on, the file holds (weight and bias), from
// its structure alone. Malformed files give ModelError, as read_weights would.
Status count_vgg19_convs(const std::string& path, int* depth);

// Writes float32 tensors as safetensors, atomically (used by tests and the model store).
Status write_safetensors(const std::string& path,
                         const std::map<std::string, torch::Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata);

}  // namespace neural_style
