// Small synthetic images for the tests: structured enough for features to mean something.
#pragma once

#include <cmath>

#include "neural_style/neural_style.h"

namespace test_images {

// Soft shapes and gradients, no randomness.
inline neural_style::Image content(int w, int h) {
  neural_style::Image img = neural_style::Image::zeros(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float* p = &img.rgb[(static_cast<std::size_t>(y) * w + x) * 3];
      const double u = static_cast<double>(x) / w, v = static_cast<double>(y) / h;
      const bool disc = std::hypot(u - 0.35, v - 0.45) < 0.22;
      const bool bar = u > 0.6 && u < 0.8 && v > 0.2 && v < 0.85;
      p[0] = static_cast<float>(disc ? 0.9 : 0.2 + 0.5 * v);
      p[1] = static_cast<float>(bar ? 0.8 : 0.3 + 0.4 * u);
      p[2] = static_cast<float>(disc || bar ? 0.1 : 0.7);
    }
  return img;
}

// Diagonal stripes in saturated colours.
inline neural_style::Image style(int w, int h) {
  neural_style::Image img = neural_style::Image::zeros(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float* p = &img.rgb[(static_cast<std::size_t>(y) * w + x) * 3];
      const int band = ((x + 2 * y) / 5) % 3;
      p[0] = band == 0 ? 0.95f : 0.1f;
      p[1] = band == 1 ? 0.85f : 0.15f;
      p[2] = band == 2 ? 0.9f : 0.2f;
    }
  return img;
}

inline double psnr(const neural_style::Image& a, const neural_style::Image& b) {
  double se = 0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i) se += std::pow(a.rgb[i] - b.rgb[i], 2);
  const double mse = se / a.rgb.size();
  return mse == 0 ? 99.0 : 10 * std::log10(1.0 / mse);
}

}  // namespace test_images
