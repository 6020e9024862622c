// The style side of the objective: several style images blended into one Gram target
// per layer, each taken at a size set by the style scale.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "geometry.h"
#include "neural_style/neural_style.h"
#include "vgg19.h"

namespace neural_style {

// The blend weights normalised to sum 1: `blend` as given (validate() has checked it is finite,
// non-negative and not all zero) or, when empty, equal weights for `count` styles.
std::vector<double> normalized_blend(const std::vector<double>& blend, std::size_t count);

// Size at which a style image is processed for the content processing size `level`: longest
// side = style_scale x the level's longest side, aspect kept; at least `min_side` on the shorter
// side (so that the deepest style layer still has a feature map), at most `max_pixels`.
Size style_size_for(Size style, Size level, double style_scale, int min_side, double max_pixels);

// Per style tap: Σ_k w_k · G_k · (n_H·n_W of the generated image / n_H·n_W of style k), G_k the
// Gram matrix of style k at that tap. Gram matrices are sums over positions, so the factor makes
// a style image of any size or aspect a per-position target the generated image can reach;
// without it a style scale of 2 would mostly mean a 4x larger Gram. `styles` are already at
// their processing size and on the network's device, each with its source mask as a fourth
// channel when it has one; `generated_hw[i]` is n_H·n_W of the generated image at style tap i.
std::vector<torch::Tensor> blended_grams(const Vgg19& net, const std::vector<torch::Tensor>& styles,
                                         const std::vector<double>& weights,
                                         const std::vector<int>& taps,
                                         const std::vector<std::int64_t>& generated_hw);

}  // namespace neural_style
