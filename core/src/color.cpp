// Colour preservation: the luminance post-step and the colour-statistics pre-step.
#include "neural_style/color.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace neural_style {
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

using Mat3 = std::array<std::array<double, 3>, 3>;

// Keeps Σ_s^−½ finite for a flat or single-hue style (a colour that never varies is then mapped
// to the content's mean instead of blowing up); 1e-5 is a standard deviation of about 0.003,
// well under one 8-bit level.
constexpr double kRidge = 1e-5;

// Eigendecomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations: small, exact to
// rounding and with no dependency, which matters because the plug-ins link this without torch.
void symmetric_eigen(Mat3 a, std::array<double, 3>* values, Mat3* vectors) {
  Mat3 v{};
  for (int i = 0; i < 3; ++i) v[i][i] = 1;
  for (int sweep = 0; sweep < 50; ++sweep) {
    const double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    if (off < 1e-30) break;
    for (int p = 0; p < 2; ++p)
      for (int q = p + 1; q < 3; ++q) {
        if (std::abs(a[p][q]) < 1e-300) continue;
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 3; ++k) {  // a = a·J
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) {  // a = Jᵀ·a
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; ++k) {
          const double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  for (int i = 0; i < 3; ++i) (*values)[static_cast<std::size_t>(i)] = a[i][i];
  *vectors = v;
}

// V·diag(f(λ))·Vᵀ of a symmetric matrix.
template <typename F>
Mat3 symmetric_function(const Mat3& m, F f) {
  std::array<double, 3> lambda{};
  Mat3 v{};
  symmetric_eigen(m, &lambda, &v);
  Mat3 out{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k)
        out[i][j] += v[i][k] * f(lambda[static_cast<std::size_t>(k)]) * v[j][k];
  return out;
}

Mat3 multiply(const Mat3& a, const Mat3& b) {
  Mat3 out{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) out[i][j] += a[i][k] * b[k][j];
  return out;
}

}  // namespace

void preserve_luminance(const Image& source, Image* styled) {
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

ColorStats color_stats(const Image& image) {
  ColorStats st;
  const std::size_t n = image.pixel_count();
  if (n == 0) return st;
  for (std::size_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) st.mean[c] += image.rgb[3 * i + static_cast<std::size_t>(c)];
  for (double& m : st.mean) m /= static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    double d[3];
    for (int c = 0; c < 3; ++c) d[c] = image.rgb[3 * i + static_cast<std::size_t>(c)] - st.mean[c];
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) st.cov[a][b] += d[a] * d[b];
  }
  for (auto& row : st.cov)
    for (double& v : row) v /= static_cast<double>(n);
  return st;
}

Image match_color_statistics(const Image& style, const Image& content) {
  const ColorStats s = color_stats(style), c = color_stats(content);
  Mat3 cs{}, cc{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      cs[i][j] = s.cov[i][j] + (i == j ? kRidge : 0.0);
      cc[i][j] = c.cov[i][j];
    }
  const Mat3 inv_sqrt_s =
      symmetric_function(cs, [](double l) { return 1.0 / std::sqrt(std::max(l, kRidge)); });
  const Mat3 sqrt_c = symmetric_function(cc, [](double l) { return std::sqrt(std::max(l, 0.0)); });
  const Mat3 a = multiply(sqrt_c, inv_sqrt_s);

  Image out = style;
  const std::size_t n = style.pixel_count();
  for (std::size_t i = 0; i < n; ++i) {
    const float* x = &style.rgb[3 * i];
    float* y = &out.rgb[3 * i];
    for (int r = 0; r < 3; ++r) {
      double v = c.mean[r];
      for (int k = 0; k < 3; ++k) v += a[r][k] * (x[k] - s.mean[k]);
      y[r] = static_cast<float>(std::clamp(v, 0.0, 1.0));
    }
  }
  return out;
}

}  // namespace neural_style
