// VGG-19's layer table and the engine's size arithmetic. Torch-free: the estimate and the
// engine must agree on both, so they live here once.
#pragma once

#include <string>
#include <vector>

#include "neural_style/neural_style.h"

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

// Index into vgg19_convs() of a tap name, or -1.
int tap_index(const std::string& name);

// The deepest tap index a run needs (content layer and every style layer).
int deepest_tap(const Params& params);

struct Size {
  int width = 0;
  int height = 0;
  bool operator==(const Size& o) const { return width == o.width && height == o.height; }
  bool operator!=(const Size& o) const { return !(*this == o); }
};

// Size with the longest side capped at max_size (0 = no cap), aspect kept, at least 1 px.
Size fit_longest_side(Size size, int max_size);

// Size scaled up or down so that its longest side is `longest`, aspect kept.
Size with_longest_side(Size size, int longest);

// Pyramid sizes, coarse to fine, the last being `final_size`. Levels are a factor sqrt(2)
// apart (as in crowsonkb's style transfer); levels whose longer side would drop below
// kMinPyramidSide are left out, so a small image may get fewer levels than asked for.
constexpr int kMinPyramidSide = 64;
std::vector<Size> pyramid(Size final_size, int scales);

// Side a tap needs at least so that its feature map is at least 1x1.
int min_side_for_tap(int tap);

}  // namespace neural_style
