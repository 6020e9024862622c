#include "messages.h"

#include <cmath>

#include "i18n.h"
#include "text_format.h"

namespace neural_style::plugin {

std::string format_seconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  if (seconds < 1) return _("under 1 s");
  const long s = std::lround(seconds);
  if (s < 100) return format(_("%ld s"), s);
  const long minutes = std::lround(seconds / 60.0);
  if (minutes < 100) return format(_("%ld min"), minutes);
  return format(_("%ld h %ld min"), minutes / 60, minutes % 60);
}

std::string format_bytes(double bytes) {
  if (!std::isfinite(bytes) || bytes < 0) bytes = 0;
  if (bytes >= 1e9) return format(_("%.1f GB"), bytes / 1e9);
  return format(_("%.0f MB"), std::ceil(bytes / 1e6));
}

namespace {

// Finer than format_bytes(), which rounds up: a download's count must not run ahead of itself.
std::string download_size(double bytes) {
  if (bytes >= 1e9) return format(_("%.2f GB"), bytes / 1e9);
  if (bytes >= 1e8) return format(_("%.0f MB"), bytes / 1e6);
  return format(_("%.1f MB"), bytes / 1e6);
}

}  // namespace

std::string download_progress_text(double bytes, double total) {
  if (total <= 0) return format(_("Downloaded %s"), download_size(bytes).c_str());
  return format(_("Downloaded %s of %s"), download_size(bytes).c_str(),
                download_size(total).c_str());
}

std::string download_stage_text(neural_style::FetchStage stage) {
  switch (stage) {
    case neural_style::FetchStage::Downloading: return _("Connecting…");
    case neural_style::FetchStage::Verifying: return _("Checking the SHA-256 checksum…");
    case neural_style::FetchStage::Converting: return _("Installing the convolutional layers…");
  }
  return {};
}

std::string download_done_text(const std::string& installed_path) {
  return format(_("The pretrained VGG-19 weights were installed as %s."), installed_path.c_str());
}

std::string download_error_message(const std::string& detail) {
  return format(_("The VGG-19 weights could not be downloaded: %s"), detail.c_str());
}

double progress_fraction(const neural_style::Progress& p) {
  if (p.total_steps <= 0) return 0.0;
  const double f = static_cast<double>(p.done_steps) / p.total_steps;
  return f < 0 ? 0.0 : (f > 1 ? 1.0 : f);
}

std::string progress_text(const neural_style::Progress& p) {
  // A big layer refined in tiles names the tile, so that a long refinement visibly moves on.
  // Whole sentences rather than a spliced prefix: translations may order them differently.
  const bool tiled = p.tiles > 0;
  if (p.done_steps <= 0 || p.elapsed_seconds <= 0)
    return tiled ? format(_("Neural style: tile %d of %d, iteration %d/%d"), p.tile, p.tiles,
                          p.done_steps, p.total_steps)
                 : format(_("Neural style: iteration %d/%d"), p.done_steps, p.total_steps);
  // Steps cost about the same at one scale; a coarse-to-fine run makes the early estimate
  // optimistic, which the per-step update quickly corrects.
  const double left = p.elapsed_seconds / p.done_steps * (p.total_steps - p.done_steps);
  const std::string left_text = format_seconds(left);
  return tiled ? format(_("Neural style: tile %d of %d, iteration %d/%d, about %s left"), p.tile,
                        p.tiles, p.done_steps, p.total_steps, left_text.c_str())
               : format(_("Neural style: iteration %d/%d, about %s left"), p.done_steps,
                        p.total_steps, left_text.c_str());
}

std::string error_message(const neural_style::Status& status) {
  using Code = neural_style::Status::Code;
  const char* detail = status.message.c_str();
  switch (status.code) {
    case Code::Ok: return {};
    case Code::Cancelled: return _("Neural style transfer was cancelled.");
    case Code::InvalidArgument:
      return format(_("Neural style transfer cannot run with these settings: %s"), detail);
    case Code::ModelError:
      return format(_("The VGG-19 weights could not be used: %s\nChoose another weights file, "
                      "or install the real ones with: neural-style models fetch vgg19"),
                    detail);
    case Code::OutOfMemory:
      return format(_("Not enough memory for neural style transfer (%s).\nTry a smaller Max "
                      "size, or the CPU device."),
                    detail);
    case Code::NumericError:
      return format(_("The optimisation diverged (%s).\nTry the Adam optimizer or smaller "
                      "weights."),
                    detail);
    case Code::DeviceError:
      return format(_("The computing device failed: %s\nChoose the CPU device."), detail);
    case Code::Internal: break;
  }
  return format(_("Neural style transfer failed: %s"), detail);
}

std::string style_file_error(const std::string& path, const std::string& detail) {
  if (path.empty()) return _("No style image was given. Choose a style image file.");
  if (detail.empty())
    return format(_("The style image %s could not be opened. Use a file GIMP can open, such as "
                    "PNG or JPEG."),
                  path.c_str());
  return format(_("The style image %s could not be opened: %s"), path.c_str(), detail.c_str());
}

std::string indexed_image_error() {
  return _(
      "Neural style transfer does not work on indexed images. Convert the image to RGB "
      "first (Image ▸ Mode ▸ RGB).");
}

std::string too_small_error(int width, int height) {
  return format(_("The area to process is %d × %d pixels; neural style transfer needs at least "
                  "%d pixels on each side."),
                width, height, neural_style::limits().max_size_min);
}

std::string engine_load_error(const std::string& detail) {
  return format(_("The neural style engine could not be loaded: %s\nReinstall the plug-in so "
                  "that libneural-style-engine.so is next to its executable."),
                detail.c_str());
}

std::string engine_description(const neural_style::EngineModule& engine) {
  const std::string version = engine.api().version_string();
  return format(engine.user_built() ? _("Engine: %s, built by you") : _("Engine: %s"),
                version.c_str());
}

std::string gpu_unavailable_reason(bool engine_loaded, const std::string& load_error) {
  if (!engine_loaded) return load_error;
  return _("This LibTorch build or this machine has no usable CUDA GPU.");
}

std::string estimate_text(const neural_style::Estimate& e, bool on_gpu) {
  return format(on_gpu ? _("Estimated time on the GPU: %s. Memory: %s. Processed at %d × %d "
                           "pixels.")
                       : _("Estimated time on the CPU: %s. Memory: %s. Processed at %d × %d "
                           "pixels."),
                format_seconds(e.seconds).c_str(), format_bytes(e.peak_bytes).c_str(),
                e.processed_width, e.processed_height);
}

std::string result_layer_name(const std::string& source_name) {
  return format(_("%s (neural style)"), source_name.c_str());
}

}  // namespace neural_style::plugin
