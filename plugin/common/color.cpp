#include "color.h"

#include "neural_style/color.h"

namespace neural_style::plugin {

// The logic lives in the core once (neural_style/color.h), which also applies it itself when
// Params::color_preservation is set.
void preserve_colors(const neural_style::Image& source, neural_style::Image* styled) {
  neural_style::preserve_luminance(source, styled);
}

}  // namespace neural_style::plugin
