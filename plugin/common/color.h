// Colour post-processing applied to the engine's result.
#pragma once

#include "neural_style/neural_style.h"

namespace neural_style::plugin {

// "Preserve colours": keeps the luminance of `styled` and takes the chroma (Cb, Cr) from
// `source`, so the result shows the style's strokes and texture in the original colours.
// Works in linear light (Rec. 709 luma weights), where mixing luminance and chroma does not
// shift hues as it would on gamma-encoded values. Both images are perceptual (sRGB-curve) RGB of
// the same size; `styled` is replaced in place. Does nothing if the sizes differ.
void preserve_colors(const neural_style::Image& source, neural_style::Image* styled);

}  // namespace neural_style::plugin
