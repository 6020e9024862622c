#include "color.h"

#include <algorithm>
#include <cmath>

namespace neural_style::plugin {
namespace {

// The sRGB transfer curve. Applied per channel, so it is exact for any RGB space that uses it.
float to_linear(float v) {
  return v <= 0.04045f ? v / 12.92f : std::pow((v + 0.055f) / 1.055f, 2.4f);
}

float to_perceptual(float v) {
  v = std::max(v, 0.0f);
  return v <= 0.0031308f ? v * 12.92f : 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
}

// Rec. 709 luma weights and the matching Cb/Cr scale factors.
constexpr float kR = 0.2126f;
constexpr float kG = 0.7152f;
constexpr float kB = 0.0722f;
constexpr float kCb = 2.0f * (1.0f - kB);
constexpr float kCr = 2.0f * (1.0f - kR);

}  // namespace

void preserve_colors(const neural_style::Image& source, neural_style::Image* styled) {
  if (source.width != styled->width || source.height != styled->height) return;
  const std::size_t n = source.pixel_count();
  for (std::size_t i = 0; i < n; ++i) {
    const float* s = &source.rgb[3 * i];
    float* r = &styled->rgb[3 * i];
    const float sr = to_linear(s[0]), sg = to_linear(s[1]), sb = to_linear(s[2]);
    const float sy = kR * sr + kG * sg + kB * sb;
    const float cb = (sb - sy) / kCb;
    const float cr = (sr - sy) / kCr;
    const float y = kR * to_linear(r[0]) + kG * to_linear(r[1]) + kB * to_linear(r[2]);
    const float out_r = y + kCr * cr;
    const float out_b = y + kCb * cb;
    const float out_g = (y - kR * out_r - kB * out_b) / kG;
    r[0] = std::min(to_perceptual(out_r), 1.0f);
    r[1] = std::min(to_perceptual(out_g), 1.0f);
    r[2] = std::min(to_perceptual(out_b), 1.0f);
  }
}

}  // namespace neural_style::plugin
