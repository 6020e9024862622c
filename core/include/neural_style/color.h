// Colour preservation, torch-free so that the plug-ins can use it without the engine.
//
// run() applies these itself when Params::color_preservation is set; front ends must not apply
// them a second time.
#pragma once

#include "neural_style/neural_style.h"

namespace neural_style {

// ColorPreservation::Luminance, the post-step: keeps the luminance Y of `styled` and takes the
// chroma (Cb, Cr) from `source`, so the result shows the style's strokes and texture in the
// original colours. The colour space is YCbCr built on *linear-light* RGB with the Rec. 709
// luma weights (Y = 0.2126 R + 0.7152 G + 0.0722 B): both images are decoded from the sRGB
// curve first and re-encoded afterwards, since mixing luminance and chroma of gamma-encoded
// values shifts hues. `styled` is replaced in place; results are clipped to [0, 1] only from
// above where the recombination overshoots. Does nothing if the sizes differ.
void preserve_luminance(const Image& source, Image* styled);

// Mean and covariance of an image's RGB values (as stored: sRGB-encoded).
struct ColorStats {
  double mean[3] = {0, 0, 0};
  double cov[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
};
ColorStats color_stats(const Image& image);

// ColorPreservation::ColorTransfer, the pre-step: an affine recolouring x' = A (x − μ_s) + μ_c
// of `style` such that its mean and covariance become those of `content` (Gatys et al. 2017,
// "Controlling perceptual factors", the image-analogies variant). A = Σ_c^½ Σ_s^−½ with both
// square roots the symmetric ones, taken by eigendecomposition; unlike a Cholesky factor this
// A does not depend on the order of the channels. Works on the sRGB-encoded values the network
// sees. Flat (rank-deficient) covariances are regularised by a small ridge, and the output is
// clamped to [0, 1], so the match is exact only where no value had to be clipped.
Image match_color_statistics(const Image& style, const Image& content);

}  // namespace neural_style
