// How much memory a run needs, and how it is made to fit a budget: the processing size is capped
// and the full size is refined in overlapping tiles (tiling.h). Torch-free, so that the dialogs'
// estimate and the engine use one model. The model's constants were calibrated against measured
// peak RSS (docs/performance.md, "Memory").
#pragma once

#include <cstdint>
#include <string>

#include "geometry.h"
#include "neural_style/neural_style.h"

namespace neural_style {

// Smallest tile side worth refining: below it the deep layers see only a few positions and the
// per-step overhead dominates.
constexpr int kMinTileSide = 128;

// Peak bytes of one untiled optimisation at `size`, without the caller's input images:
// LibTorch's own footprint (host runs only), the network's weights, the activations kept for
// the backward pass and the optimiser's image-sized buffers.
double untiled_peak_bytes(Size size, const Params& params, bool on_gpu);

// Bytes held at full size while tiles are refined: content, the upscaled start image, the
// blended result and its weights, the style image at full size while its Grams are taken.
double tiled_full_size_bytes(Size full);

// Bytes of an RGB float image: the caller's decoded content and style images are alive for the
// whole run and count against the budget.
double image_bytes(Size size);

// Largest style image, in pixels, whose Grams can be taken within `budget_bytes` (0 = unknown:
// 2 GiB is assumed). A Gram pass has no gradients: the input and the two widest activations are
// alive at once, beside LibTorch's footprint, the weights and the caller's images; it runs
// before each level's optimisation, so its peak and the optimisation's do not add up.
double max_style_pixels(std::uint64_t budget_bytes, double caller_images, const Params& params,
                        bool on_gpu);

struct MemoryPlan {
  bool tiled = false;
  Size capped;            // largest pyramid size processed whole (the final size when not tiled)
  int tile_side = 0;      // tiles are at most tile_side x tile_side at full size
  int overlap = 0;        // pixels shared by neighbouring tiles, blended with feathered weights
  double peak_bytes = 0;  // estimated peak, including the inputs
  std::uint64_t budget_bytes = 0;
};

// Decides how a run of processing size `full` fits `budget_bytes`. A job that does not fit even
// with the smallest tile is refused with Code::OutOfMemory, naming the largest processing size
// (--max-size) that fits whole and the memory this size needs at least.
// `caller_images`: the bytes of the caller's images (image_bytes of each).
Status plan_memory(Size full, double caller_images, const Params& params, bool on_gpu,
                   std::uint64_t budget_bytes, MemoryPlan* plan);

// MemAvailable from /proc/meminfo, or 0 when unknown.
std::uint64_t available_host_memory();

// "1.5 GiB", "800 MiB": for messages.
std::string format_bytes(double bytes);

}  // namespace neural_style
