#include "tiling.h"

#include <algorithm>
#include <cmath>

#include "losses.h"

namespace neural_style {

namespace {

using torch::indexing::Slice;

// Starts of the tiles along one axis of `length`, each `tile` long.
std::vector<int> starts(int length, int tile, int overlap) {
  if (length <= tile) return {0};
  const int step = std::max(1, tile - overlap);
  const int n = 1 + (length - tile + step - 1) / step;
  std::vector<int> s;
  for (int i = 0; i < n; ++i)
    s.push_back(static_cast<int>(std::lround(static_cast<double>(i) * (length - tile) / (n - 1))));
  return s;
}

// 1-D weights of the tile [begin, end) among neighbours ending at prev_end (or -1) and
// starting at next_begin (or -1).
torch::Tensor ramp(int begin, int end, int prev_end, int next_begin) {
  auto w = torch::ones({end - begin}, torch::kFloat32);
  auto a = w.accessor<float, 1>();
  for (int p = begin; p < end; ++p) {
    float v = 1.f;
    if (prev_end > begin && p < prev_end) v = std::min(v, (p - begin + 0.5f) / (prev_end - begin));
    if (next_begin >= 0 && next_begin < end && p >= next_begin)
      v = std::min(v, (end - p - 0.5f) / (end - next_begin));
    a[p - begin] = v;
  }
  return w;
}

}  // namespace

std::vector<TileRect> tile_grid(Size full, int tile_side, int overlap) {
  const int tw = std::min(tile_side, full.width), th = std::min(tile_side, full.height);
  std::vector<TileRect> grid;
  for (int y : starts(full.height, th, overlap))
    for (int x : starts(full.width, tw, overlap)) grid.push_back({x, y, tw, th});
  return grid;
}

torch::Tensor feather_weights(const std::vector<TileRect>& grid, std::size_t index) {
  const TileRect& r = grid[index];
  // Neighbours in the grid: same row (left/right) and same column (above/below).
  int left_end = -1, right_begin = -1, top_end = -1, bottom_begin = -1;
  for (const TileRect& o : grid) {
    if (o.y == r.y && o.x < r.x) left_end = std::max(left_end, o.x + o.width);
    if (o.y == r.y && o.x > r.x && (right_begin < 0 || o.x < right_begin)) right_begin = o.x;
    if (o.x == r.x && o.y < r.y) top_end = std::max(top_end, o.y + o.height);
    if (o.x == r.x && o.y > r.y && (bottom_begin < 0 || o.y < bottom_begin)) bottom_begin = o.y;
  }
  auto wx = ramp(r.x, r.x + r.width, left_end, right_begin);
  auto wy = ramp(r.y, r.y + r.height, top_end, bottom_begin);
  return torch::outer(wy, wx).view({1, 1, r.height, r.width});
}

torch::Tensor crop(const torch::Tensor& image, const TileRect& r) {
  return image.index({Slice(), Slice(), Slice(r.y, r.y + r.height), Slice(r.x, r.x + r.width)});
}

TileCanvas::TileCanvas(torch::Tensor start)
    : start_(std::move(start)),
      sum_(torch::zeros_like(start_)),
      weight_(torch::zeros({1, 1, start_.size(2), start_.size(3)}, torch::kFloat32)) {}

torch::Tensor TileCanvas::crop(const TileRect& r) const {
  torch::NoGradGuard no_grad;
  auto w = neural_style::crop(weight_, r).clamp_max(1.0);
  return neural_style::crop(sum_, r) + (1.0 - w) * neural_style::crop(start_, r);
}

void TileCanvas::blend(const TileRect& r, const torch::Tensor& tile, const torch::Tensor& weights) {
  torch::NoGradGuard no_grad;
  neural_style::crop(sum_, r).add_(tile.to(torch::kCPU, torch::kFloat32) * weights);
  neural_style::crop(weight_, r).add_(weights);
}

torch::Tensor TileCanvas::finish() {
  torch::NoGradGuard no_grad;
  // The weights sum to 1 wherever the grid reaches, which is everywhere; the start term only
  // guards against rounding.
  sum_.add_((1.0 - weight_.clamp_max(1.0)) * start_);
  start_ = torch::Tensor();
  weight_ = torch::Tensor();
  return sum_;
}

std::vector<torch::Tensor> gram_per_position(const Vgg19& net, const std::vector<int>& taps,
                                             const torch::Tensor& image, int tile_side,
                                             const torch::TensorOptions& options) {
  torch::NoGradGuard no_grad;
  const Size full{static_cast<int>(image.size(3)), static_cast<int>(image.size(2))};
  std::vector<torch::Tensor> sums(taps.size());
  std::vector<double> positions(taps.size(), 0.0);
  for (const TileRect& r : tile_grid(full, tile_side, 0)) {
    torch::Tensor tile = crop(image, r).to(options), mask;
    // A fourth channel is the style's source mask s, as in blended_grams(): the Gram is taken
    // over √s ⊙ A and counted over Σs positions, the mask area-averaged to each layer.
    if (tile.size(1) == 4) {
      mask = tile.narrow(1, 3, 1);
      tile = tile.narrow(1, 0, 3);
    }
    net.for_each_tap(tile, taps, [&](std::size_t i, const torch::Tensor& a) {
      torch::Tensor x = a;
      double count = static_cast<double>(a.size(2) * a.size(3));
      if (mask.defined()) {
        const torch::Tensor s =
            torch::adaptive_avg_pool2d(mask, {a.size(2), a.size(3)}).clamp(0.0, 1.0);
        count = s.sum().item<double>();
        x = a * s.sqrt();
      }
      auto g = gram_matrix(x).to(torch::kFloat64);
      sums[i] = sums[i].defined() ? sums[i] + g : g;
      positions[i] += count;
    });
  }
  for (std::size_t i = 0; i < taps.size(); ++i) {
    const std::int64_t c = net.weights()[static_cast<std::size_t>(taps[i])].size(0);
    // A source mask that reaches no position of a layer leaves nothing to match there.
    sums[i] = positions[i] > 1e-6 && sums[i].defined()
                  ? (sums[i] / positions[i]).to(options.dtype(torch::kFloat32))
                  : torch::zeros({c, c}, options.dtype(torch::kFloat32));
  }
  return sums;
}

}  // namespace neural_style
