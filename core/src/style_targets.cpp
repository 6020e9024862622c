#include "style_targets.h"

#include <algorithm>
#include <cmath>

#include "losses.h"

namespace neural_style {

std::vector<double> normalized_blend(const std::vector<double>& blend, std::size_t count) {
  if (blend.empty()) return std::vector<double>(count, 1.0 / static_cast<double>(count));
  double sum = 0;
  for (double w : blend) sum += w;
  std::vector<double> out;
  out.reserve(blend.size());
  for (double w : blend) out.push_back(w / sum);
  return out;
}

Size style_size_for(Size style, Size level, double style_scale, int min_side, double max_pixels) {
  const int level_longest = std::max(level.width, level.height);
  const int longest = std::max(1, static_cast<int>(std::lround(style_scale * level_longest)));
  Size size = with_longest_side(style, longest);
  const int shortest = std::min(size.width, size.height);
  if (shortest < min_side) {
    // Grow until the shorter side reaches min_side: a very wide style at a small scale would
    // otherwise have no feature map at the deepest layer.
    const double f = static_cast<double>(min_side) / shortest;
    size = with_longest_side(style,
                             static_cast<int>(std::ceil(std::max(size.width, size.height) * f)));
  }
  const double pixels = static_cast<double>(size.width) * size.height;
  if (pixels > max_pixels) {
    const double f = std::sqrt(max_pixels / pixels);
    size = with_longest_side(
        style, std::max(1, static_cast<int>(std::floor(std::max(size.width, size.height) * f))));
  }
  return size;
}

std::vector<torch::Tensor> blended_grams(const Vgg19& net, const std::vector<torch::Tensor>& styles,
                                         const std::vector<double>& weights,
                                         const std::vector<int>& taps,
                                         const std::vector<std::int64_t>& generated_hw) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grams(taps.size());
  for (std::size_t k = 0; k < styles.size(); ++k) {
    // One style at a time, each tap's Gram taken as the pass reaches it: a big style image
    // then never holds more than the activations around one convolution (memory_budget.h).
    net.for_each_tap(styles[k], taps, [&](std::size_t i, const torch::Tensor& a) {
      const double hw = static_cast<double>(a.size(2) * a.size(3));
      const double f = weights[k] * static_cast<double>(generated_hw[i]) / hw;
      auto g = gram_matrix(a) * f;
      grams[i] = k == 0 ? g : grams[i] + g;
    });
  }
  for (auto& g : grams) g = g.detach();
  return grams;
}

}  // namespace neural_style
