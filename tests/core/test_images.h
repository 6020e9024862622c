// Small synthetic images for the tests: structured enough for features to mean something.
#pragma once

#include <cmath>
#include <vector>

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

namespace test_images {

inline std::vector<double> luminance(const neural_style::Image& img) {
  std::vector<double> y(img.pixel_count());
  for (std::size_t i = 0; i < y.size(); ++i)
    y[i] = 0.299 * img.rgb[i * 3] + 0.587 * img.rgb[i * 3 + 1] + 0.114 * img.rgb[i * 3 + 2];
  return y;
}

// Luminance box-averaged over f×f blocks: the coarse structure a viewer recognises a subject by.
inline std::vector<double> coarse_luminance(const neural_style::Image& img, int f, int* w, int* h) {
  const auto y = luminance(img);
  *w = img.width / f;
  *h = img.height / f;
  std::vector<double> out(static_cast<std::size_t>(*w) * *h, 0.0);
  for (int yy = 0; yy < *h * f; ++yy)
    for (int xx = 0; xx < *w * f; ++xx)
      out[static_cast<std::size_t>(yy / f) * *w + xx / f] +=
          y[static_cast<std::size_t>(yy) * img.width + xx] / (f * f);
  return out;
}

// Mean SSIM of the luminance, box-downsampled by `f` first (f = 1: full resolution; larger f is
// one coarser scale of multi-scale SSIM), over 7x7 windows, constants for [0,1] data.
inline double luminance_ssim(const neural_style::Image& a, const neural_style::Image& b,
                             int f = 1) {
  int w = 0, h = 0;
  const auto ya = coarse_luminance(a, f, &w, &h), yb = coarse_luminance(b, f, &w, &h);
  const int r = 3;
  const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  double total = 0;
  int windows = 0;
  const int stride = f == 1 ? 2 : 1;
  for (int y = r; y < h - r; y += stride)
    for (int x = r; x < w - r; x += stride) {
      double ma = 0, mb = 0, n = 0;
      for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
          const std::size_t i = static_cast<std::size_t>(y + dy) * w + (x + dx);
          ma += ya[i];
          mb += yb[i];
          ++n;
        }
      ma /= n;
      mb /= n;
      double va = 0, vb = 0, cov = 0;
      for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
          const std::size_t i = static_cast<std::size_t>(y + dy) * w + (x + dx);
          va += (ya[i] - ma) * (ya[i] - ma);
          vb += (yb[i] - mb) * (yb[i] - mb);
          cov += (ya[i] - ma) * (yb[i] - mb);
        }
      va /= n - 1;
      vb /= n - 1;
      cov /= n - 1;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      ++windows;
    }
  return windows ? total / windows : 0;
}

// Per-channel mean and standard deviation: the palette, independent of layout.
inline std::vector<double> colour_stats(const neural_style::Image& img) {
  std::vector<double> s(6, 0.0);
  const double n = static_cast<double>(img.pixel_count());
  for (std::size_t i = 0; i < img.pixel_count(); ++i)
    for (int c = 0; c < 3; ++c) s[static_cast<std::size_t>(c)] += img.rgb[i * 3 + c] / n;
  for (std::size_t i = 0; i < img.pixel_count(); ++i)
    for (int c = 0; c < 3; ++c)
      s[3 + static_cast<std::size_t>(c)] +=
          std::pow(img.rgb[i * 3 + c] - s[static_cast<std::size_t>(c)], 2) / n;
  for (int c = 3; c < 6; ++c)
    s[static_cast<std::size_t>(c)] = std::sqrt(s[static_cast<std::size_t>(c)]);
  return s;
}

inline double colour_distance(const neural_style::Image& a, const neural_style::Image& b) {
  const auto sa = colour_stats(a), sb = colour_stats(b);
  double d = 0;
  for (std::size_t i = 0; i < sa.size(); ++i) d += (sa[i] - sb[i]) * (sa[i] - sb[i]);
  return std::sqrt(d);
}

// Resamples to another size by nearest neighbour (for comparing images of different sizes).
inline neural_style::Image nearest(const neural_style::Image& img, int w, int h) {
  neural_style::Image out = neural_style::Image::zeros(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        out.rgb[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            img.rgb[(static_cast<std::size_t>(y * img.height / h) * img.width + x * img.width / w) *
                        3 +
                    c];
  return out;
}

}  // namespace test_images
