#include "geometry.h"

#include <algorithm>
#include <cmath>

namespace neural_style {

int deepest_tap(const Params& params) {
  int deepest = tap_index(params.content_layer);
  for (const auto& lw : params.style_layers) deepest = std::max(deepest, tap_index(lw.layer));
  return deepest;
}

Size fit_longest_side(Size size, int max_size) {
  const int longest = std::max(size.width, size.height);
  if (max_size <= 0 || longest <= max_size) return size;
  const double f = static_cast<double>(max_size) / longest;
  Size out;
  out.width = std::max(1, static_cast<int>(std::lround(size.width * f)));
  out.height = std::max(1, static_cast<int>(std::lround(size.height * f)));
  return out;
}

Size with_longest_side(Size size, int longest) {
  const int current = std::max(size.width, size.height);
  if (current == longest || current <= 0) return size;
  const double f = static_cast<double>(longest) / current;
  return {std::max(1, static_cast<int>(std::lround(size.width * f))),
          std::max(1, static_cast<int>(std::lround(size.height * f)))};
}

std::vector<Size> pyramid(Size final_size, int scales) {
  std::vector<Size> levels;
  const int longest = std::max(final_size.width, final_size.height);
  for (int k = scales - 1; k >= 1; --k) {
    const double f = std::pow(2.0, -0.5 * k);
    const int side = static_cast<int>(std::lround(longest * f));
    if (side < kMinPyramidSide) continue;
    levels.push_back(fit_longest_side(final_size, side));
  }
  levels.push_back(final_size);
  return levels;
}

int min_side_for_tap(int tap) {
  if (tap < 0) return 1;
  return 1 << (vgg19_convs()[static_cast<std::size_t>(tap)].block - 1);
}

std::vector<ConvLevel> conv_levels(Size input, int deepest) {
  const auto& convs = vgg19_convs();
  std::vector<ConvLevel> levels;
  Size size = input;
  int block = 1;
  for (int i = 0; i <= deepest && i < static_cast<int>(convs.size()); ++i) {
    const ConvSpec& c = convs[static_cast<std::size_t>(i)];
    for (; block < c.block; ++block)
      size = {std::max(1, size.width / 2), std::max(1, size.height / 2)};
    levels.push_back({i, &c, size});
  }
  return levels;
}

}  // namespace neural_style
