// Where the tests find the real ImageNet layers: the bundled float16 file in models/ and the
// float32 reference beside the checkout (../shared/models), both passed in by meson.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <string>

namespace test_models {

// models/vgg19-imagenet-conv1_1-conv3_4-f16.safetensors ($NEURAL_STYLE_BUNDLED_MODEL).
inline std::string bundled() {
  const char* path = std::getenv("NEURAL_STYLE_BUNDLED_MODEL");
  return path ? path : "";
}

// The float32 reference, or "" when ../shared/models is not beside the checkout.
inline std::string reference() {
  const char* dir = std::getenv("NEURAL_STYLE_SHARED_MODELS");
  if (!dir) return {};
  const std::string path = std::string(dir) + "/vgg19-imagenet-conv1_1-conv3_4.safetensors";
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? path : std::string();
}

}  // namespace test_models
