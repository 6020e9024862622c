// Pixels between GEGL buffers and the engine.
//
// Everything here works on GeglBuffer, which GIMP 2.10 and GIMP 3 share, so the conversions are
// written once. Pixels always travel as 32-bit float in the drawable's own colour space with the
// perceptual (R'G'B') transfer curve that VGG-19 was trained on: babl converts from and to 8, 16
// and 32-bit, linear or perceptual, RGB or gray storage, so high bit depth is never squeezed
// through 8 bits and gray drawables need no special case here.
#pragma once

#include <gegl.h>

#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style::plugin {

// A rectangle in drawable coordinates.
struct Region {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  bool empty() const { return width <= 0 || height <= 0; }
};

// Interleaved float RGBA, straight (not premultiplied) alpha.
struct RgbaImage {
  int width = 0;
  int height = 0;
  std::vector<float> rgba;
  std::size_t pixel_count() const {
    return static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  }
};

// Reads `region` of `buffer` as float RGBA. Returns false (with a translated *error) when the
// region is too large to allocate.
bool read_rgba(GeglBuffer* buffer, const Region& region, RgbaImage* out, std::string* error);

// Reads `region` of `buffer` as float RGB, alpha dropped (the style image's transparent parts
// carry no style worth copying; GIMP's flatten has already put them on a background).
bool read_rgb(GeglBuffer* buffer, const Region& region, neural_style::Image* out,
              std::string* error);

// Writes `image` to `buffer` with its top-left corner at (x, y).
void write_rgba(GeglBuffer* buffer, int x, int y, const RgbaImage& image);

// The colour part of an RGBA image, for the engine.
neural_style::Image rgb_of(const RgbaImage& image);

// The engine's result with the source's alpha put back (the filter never changes coverage).
// Sizes must match; values are clamped to [0, 1] because the optimiser may overshoot slightly.
RgbaImage with_alpha_of(const neural_style::Image& rgb, const RgbaImage& alpha_source);

// The babl format used for reading and writing `buffer`: R'G'B'A float in the buffer's space.
const Babl* float_rgba_format(GeglBuffer* buffer);

}  // namespace neural_style::plugin
