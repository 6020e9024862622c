// Refining an image at full size in overlapping tiles, for layers too big to optimise whole
// within the memory budget (memory_budget.h decides the tile size). Each tile is optimised on its
// own (engine.cpp) and blended into the result with feathered weights, so that no seam shows.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "geometry.h"
#include "vgg19.h"

namespace neural_style {

struct TileRect {
  int x = 0, y = 0, width = 0, height = 0;
};

// Tiles of at most tile_side x tile_side covering `full` in raster order, neighbours sharing at
// least `overlap` pixels; the tiles of a row (column) are spread evenly so that the last one ends
// at the image's edge.
std::vector<TileRect> tile_grid(Size full, int tile_side, int overlap);

// (1, 1, h, w) blend weights of tile `index` of `grid`: 1 in its own part, ramping linearly
// towards 0 across each overlap with a neighbour, so that the weights of all tiles sum to 1 at
// every pixel (a partition of unity: no seam from the weighting itself).
torch::Tensor feather_weights(const std::vector<TileRect>& grid, std::size_t index);

// The full-size image being refined, on the host: the start image (the upscaled capped result)
// plus the weighted sum of the finished tiles. Where tiles cover a pixel only partly (weights
// w < 1), the start fills in with 1 − w, so the image is continuous at every moment: the next
// tile starts from it (continuing its neighbours' strokes) without a step at the edge of what
// is done. Normalising by w instead would put one there, which a few steps cannot remove.
class TileCanvas {
 public:
  explicit TileCanvas(torch::Tensor start);  // (1, 3, H, W) float on the CPU
  // The current image in r: finished tiles, the start where they do not reach.
  torch::Tensor crop(const TileRect& r) const;
  void blend(const TileRect& r, const torch::Tensor& tile, const torch::Tensor& weights);
  // The result; call once, after the last tile (it reuses the buffers).
  torch::Tensor finish();

 private:
  torch::Tensor start_;   // (1, 3, H, W)
  torch::Tensor sum_;     // (1, 3, H, W): Σ weight · tile
  torch::Tensor weight_;  // (1, 1, H, W): Σ weight
};

// Crops a (1, C, H, W) tensor.
torch::Tensor crop(const torch::Tensor& image, const TileRect& r);

// Gram matrices per feature position (G / (n_H·n_W)) of `image` at `taps`, accumulated over
// tiles of at most tile_side so that a full-size style image never goes through the network
// whole. A tile's target is then this times the tile's own n_H·n_W: the style cost's
// normalisation makes a tile's Gram comparable to the whole image's that way. A fourth channel
// of `image` is the style's source mask (as for blended_grams()).
std::vector<torch::Tensor> gram_per_position(const Vgg19& net, const std::vector<int>& taps,
                                             const torch::Tensor& image, int tile_side,
                                             const torch::TensorOptions& options);

}  // namespace neural_style
