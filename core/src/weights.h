// Reading model weights. Model files come from the internet: every length, offset, dtype and
// shape is checked against the file before anything is allocated or read.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style {

struct WeightsFile {
  std::map<std::string, torch::Tensor> tensors;  // float32, CPU
  std::map<std::string, std::string> metadata;   // safetensors "__metadata__"
  std::vector<std::string> names;                // every tensor in the file, read or not
};

// Reads a safetensors file. Only tensors for which `wanted(name)` is true are read (the
// classifier of a full checkpoint is skipped). F32, F16 and BF16 are converted to float32.
// Returns ModelError with a message naming the file and the problem.
Status read_safetensors(const std::string& path,
                        const std::function<bool(const std::string&)>& wanted, WeightsFile* out);

// How many of VGG-19's convolutions, from the first on, the file holds (weight and bias), from
// its header alone. Malformed files give ModelError, as read_safetensors would.
Status count_vgg19_convs(const std::string& path, int* depth);

// Writes float32 tensors as safetensors (used by tests and the model store).
Status write_safetensors(const std::string& path,
                         const std::map<std::string, torch::Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata);

}  // namespace neural_style
