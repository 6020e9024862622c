// User-visible texts that both adapters and dialogs share (all translated).
#pragma once

#include <string>

#include "neural_style/engine_module.h"
#include "neural_style/model_fetch.h"
#include "neural_style/neural_style.h"

namespace neural_style::plugin {

// "Neural style: iteration i/N, about M s left" (the ETA once a step has been timed).
std::string progress_text(const neural_style::Progress& progress);

// Fraction done in [0, 1] for a progress bar.
double progress_fraction(const neural_style::Progress& progress);

// A message for a failed run: what went wrong and what to try (smaller Max size, CPU, ...).
std::string error_message(const neural_style::Status& status);

// Messages for failures found by the adapters before the engine runs.
std::string style_file_error(const std::string& path, const std::string& detail);
std::string indexed_image_error();
std::string too_small_error(int width, int height);
std::string engine_load_error(const std::string& detail);

// "Engine: neural-style 0.1.0 (LibTorch 2.6.0, CPU), built by you" for the dialogs, one line
// (the module's path goes into the label's tooltip).
std::string engine_description(const neural_style::EngineModule& engine);

// Why the dialogs cannot offer the GPU: `load_error` when the engine did not load, else that
// LibTorch or the machine has no usable CUDA GPU.
std::string gpu_unavailable_reason(bool engine_loaded, const std::string& load_error);

// "About 2 min, 1.3 GB of memory, at 512 × 384 px" for the dialog.
std::string estimate_text(const neural_style::Estimate& estimate, bool on_gpu);

// A size in human units ("820 MB").
std::string format_bytes(double bytes);

// The "Download VGG-19 weights…" window (ui/download_window): "Downloaded 120 MB of 548 MB"
// (`total` 0 = unknown), the text of each later stage, and the outcome.
std::string download_progress_text(double bytes, double total);
std::string download_stage_text(neural_style::FetchStage stage);
std::string download_done_text(const std::string& installed_path);
std::string download_error_message(const std::string& detail);

// A duration in human units ("45 s", "3 min", "1 h 10 min").
std::string format_seconds(double seconds);

// The new layer's name: "<source name> (neural style)".
std::string result_layer_name(const std::string& source_name);

}  // namespace neural_style::plugin
