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
    // A fourth channel is the style's source mask s: its Gram is then taken over √s ⊙ A and
    // counted over Σs positions, area-averaged to each layer as the regions are.
    torch::Tensor image = styles[k], mask;
    if (image.size(1) == 4) {
      mask = image.narrow(1, 3, 1);
      image = image.narrow(1, 0, 3);
    }
    // One style at a time, each tap's Gram taken as the pass reaches it: a big style image
    // then never holds more than the activations around one convolution (memory_budget.h).
    net.for_each_tap(image, taps, [&](std::size_t i, const torch::Tensor& a) {
      double positions = static_cast<double>(a.size(2) * a.size(3));
      torch::Tensor x = a;
      if (mask.defined()) {
        const torch::Tensor s =
            torch::adaptive_avg_pool2d(mask, {a.size(2), a.size(3)}).clamp(0.0, 1.0);
        positions = s.sum().item<double>();
        if (positions <= 1e-6) return;  // nothing of this style reaches this layer
        x = a * s.sqrt();
      }
      const double f = weights[k] * static_cast<double>(generated_hw[i]) / positions;
      auto g = gram_matrix(x) * f;
      grams[i] = grams[i].defined() ? grams[i] + g : g;
    });
  }
  for (std::size_t i = 0; i < grams.size(); ++i)
    if (!grams[i].defined()) {
      const std::int64_t c = net.weights()[static_cast<std::size_t>(taps[i])].size(0);
      grams[i] = torch::zeros({c, c}, net.weights()[0].options());
    }
  for (auto& g : grams) g = g.detach();
  return grams;
}

}  // namespace neural_style
