// VGG-19's convolution table (Simonyan and Zisserman 2015, configuration E), with torchvision's
// tensor names. Model files are checked against it and the engine builds its network from it,
// so it lives once, here, free of LibTorch.
#pragma once

#include <string>
#include <vector>

namespace neural_style {

struct ConvSpec {
  int feature_index;  // index in torchvision's vgg19().features
  int in_channels;
  int out_channels;
  int block;        // 1..5; a 2x2 max pool precedes blocks 2..5
  const char* tap;  // the ReLU after this convolution
};

// The sixteen convolutions of VGG-19 in order.
const std::vector<ConvSpec>& vgg19_convs();

// Index into vgg19_convs() of a tap name ("relu3_1"), or -1.
int tap_index(const std::string& name);

// torchvision's name of a convolution's tensor: "features.<feature_index>.<part>", part being
// "weight" or "bias".
std::string conv_tensor_name(const ConvSpec& conv, const char* part);

}  // namespace neural_style
