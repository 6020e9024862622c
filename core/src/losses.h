// The objective's terms, each a small function of tensors (see README "The objective").
#pragma once

#include <torch/torch.h>

namespace neural_style {

// G = A·Aᵀ with A the activation reshaped to n_C × (n_H·n_W). Input (1, C, H, W).
// `symmetric_backward`: the exact gradient in one product (losses.cpp) instead of autograd's two.
// `onednn`: the products through oneDNN on the CPU in float32 where the build has it (matmul.h).
torch::Tensor gram_matrix(const torch::Tensor& activation, bool symmetric_backward = true,
                          bool onednn = false);

// The rows [y0, y1) and columns [x0, x1) that hold every position where a mask (…×H×W) is above
// zero; all zeros if none is.
struct PositionBox {
  int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
};
PositionBox support_box(const torch::Tensor& mask);

// The Grams of region styles (Gatys et al. 2017, spatial guidance): for each √m_r (1×1×H×W, at
// the activation's size), Ĝ_r = Gram(√m_r ⊙ A), all with one backward pass that keeps no
// weighted copy, each taken over its mask's support box alone (losses.cpp). `boxes`: each
// mask's support_box, when the caller keeps them; else they are found here. An undefined mask
// gives an undefined Gram.
std::vector<torch::Tensor> region_gram_matrices(const torch::Tensor& activation,
                                                const std::vector<torch::Tensor>& sqrt_masks,
                                                bool onednn = false,
                                                const std::vector<PositionBox>& boxes = {});

// Σ(G_S − G_G)² / (4·n_C²·(n_H·n_W)²), given the style Gram G_S and the generated activation.
// The division is applied to G before squaring ((G/(2·n_C·n_H·n_W))²): the same value, but
// fp32 does not overflow on large activations.
torch::Tensor style_layer_cost(const torch::Tensor& style_gram, const torch::Tensor& generated,
                               bool symmetric_backward = true);

// Σ(a_C − a_G)² / (4·n_H·n_W·n_C). The seed text subtracts a_G from itself here, which is
// always zero; this is the intended content term of Gatys et al.
// The same cost from a Gram matrix already taken (region styles weight the activations first):
// (1/(2·n_C·n_H·n_W))² Σ(G_S − G_G)², with n_C = `channels` and n_H·n_W = `positions`.
torch::Tensor gram_cost(const torch::Tensor& style_gram, const torch::Tensor& generated_gram,
                        double channels, double positions);

torch::Tensor content_cost(const torch::Tensor& content, const torch::Tensor& generated);

// [Σ(x[c,i+1,j] − x[c,i,j])² + Σ(x[c,i,j+1] − x[c,i,j])²] / (H·W) on the [0,1] image.
torch::Tensor tv_cost(const torch::Tensor& image);

}  // namespace neural_style
