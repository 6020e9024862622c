// The engine's size arithmetic over VGG-19's layer table (neural_style/vgg19_layout.h).
// Torch-free: the estimate and the engine must agree on it, so it lives here once.
#pragma once

#include <string>
#include <vector>

#include "neural_style/neural_style.h"
#include "neural_style/vgg19_layout.h"

namespace neural_style {

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

// One convolution of VGG-19 and the size of its feature map (the same as its input's: padding
// 1) for a given network input.
struct ConvLevel {
  int index;  // into vgg19_convs()
  const ConvSpec* conv;
  Size size;
};

// The convolutions from the first through `deepest` (clamped to the table), each with its
// feature-map size for an input of `input`: the 2x2 max pool before each of blocks 2..5 halves
// both sides, rounding down, but never below 1 px. The cost and memory models walk this so that
// they agree with each other and with the network on every level's size.
std::vector<ConvLevel> conv_levels(Size input, int deepest);

}  // namespace neural_style
