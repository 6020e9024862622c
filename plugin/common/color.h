// Colour post-processing applied to the engine's result.
#pragma once

#include "neural_style/neural_style.h"

namespace neural_style::plugin {

// "Preserve colours": neural_style::preserve_luminance (neural_style/color.h), YCbCr in linear
// light. The engine applies it itself when Params::color_preservation is Luminance: call this
// only for results that did not come from such a run, never on top of one.
void preserve_colors(const neural_style::Image& source, neural_style::Image* styled);

}  // namespace neural_style::plugin
