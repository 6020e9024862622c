// Defaults, ranges and validation: the torch-free half of the core, shared by every front end.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "neural_style/neural_style.h"

namespace neural_style {

Image Image::zeros(int width, int height) {
  Image image;
  image.width = width;
  image.height = height;
  image.rgb.assign(static_cast<std::size_t>(std::max(width, 0)) *
                       static_cast<std::size_t>(std::max(height, 0)) * 3,
                   0.0f);
  return image;
}

Params default_params() {
  Params p;
  // Relative weights (normalize_weights): calibrated so that the random fallback network and
  // the real ImageNet VGG-19 layers both give a clearly stylised picture that keeps its subject
  // (docs/defaults.md has the measurements).
  p.normalize_weights = true;
  p.content_weight = 1.0;
  p.style_weight = 10.0;
  p.tv_weight = 1.0;
  p.iterations = 150;
  p.optimizer = Optimizer::Adam;
  p.learning_rate = 0.0;  // per optimiser
  p.layer_set = LayerSet::Auto;
  apply_layer_set(LayerSet::Deep, &p);
  p.init = InitMode::Content;
  p.max_size = 512;
  p.scales = 2;
  p.seed = 0;
  p.device = Device::Auto;
  p.threads = 0;
  return p;
}

void apply_layer_set(LayerSet set, Params* p) {
  if (set == LayerSet::Deep) {
    p->content_layer = "relu4_2";
    p->style_layers = {
        {"relu1_1", 0.2}, {"relu2_1", 0.2}, {"relu3_1", 0.2}, {"relu4_1", 0.2}, {"relu5_1", 0.2}};
  } else if (set == LayerSet::Shallow) {
    // What the real ImageNet layers available to this project (conv1_1..conv3_4) support.
    p->content_layer = "relu3_2";
    p->style_layers = {{"relu1_1", 1.0 / 3}, {"relu2_1", 1.0 / 3}, {"relu3_1", 1.0 / 3}};
  }
}

bool layer_set_from_name(const std::string& name, LayerSet* set) {
  if (name == "auto") {
    *set = LayerSet::Auto;
  } else if (name == "deep") {
    *set = LayerSet::Deep;
  } else if (name == "shallow") {
    *set = LayerSet::Shallow;
  } else {
    return false;
  }
  return true;
}

Limits limits() {
  return Limits{};
}

const std::vector<std::string>& layer_names() {
  static const std::vector<std::string> names = {
      "relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu3_3", "relu3_4",
      "relu4_1", "relu4_2", "relu4_3", "relu4_4", "relu5_1", "relu5_2", "relu5_3", "relu5_4"};
  return names;
}

static bool is_layer_name(const std::string& name) {
  const auto& names = layer_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

static std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool parse_layer_weights(const std::string& text, std::vector<LayerWeight>* out,
                         std::string* error) {
  std::vector<LayerWeight> result;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    item = trim(item);
    if (item.empty()) {
      *error = "empty entry in layer list '" + text + "'";
      return false;
    }
    LayerWeight lw;
    lw.weight = 1.0;
    const auto colon = item.find(':');
    lw.layer = trim(item.substr(0, colon));
    if (colon != std::string::npos) {
      const std::string w = trim(item.substr(colon + 1));
      std::size_t used = 0;
      try {
        lw.weight = std::stod(w, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != w.size() || !std::isfinite(lw.weight) || lw.weight < 0) {
        *error = "invalid weight '" + w + "' for layer " + lw.layer;
        return false;
      }
    }
    if (!is_layer_name(lw.layer)) {
      *error = "unknown layer '" + lw.layer + "' (expected relu1_1 ... relu5_4)";
      return false;
    }
    for (const auto& seen : result) {
      if (seen.layer == lw.layer) {
        *error = "layer " + lw.layer + " listed twice";
        return false;
      }
    }
    result.push_back(lw);
  }
  if (result.empty()) {
    *error = "no layers given";
    return false;
  }
  *out = std::move(result);
  return true;
}

namespace {

Status invalid(const std::string& message) {
  return Status::error(Status::Code::InvalidArgument, message);
}

bool weight_ok(double w) {
  return std::isfinite(w) && w >= 0 && w <= limits().weight_max;
}

Status validate_image(const Image& image, const char* what) {
  if (image.empty()) return invalid(std::string(what) + " image is empty");
  if (image.rgb.size() != image.pixel_count() * 3)
    return invalid(std::string(what) + " image buffer does not match its size");
  const int min_side = limits().max_size_min;
  if (image.width < min_side || image.height < min_side) {
    std::ostringstream msg;
    msg << what << " image is " << image.width << "x" << image.height
        << " pixels; both sides must be at least " << min_side;
    return invalid(msg.str());
  }
  return Status::success();
}

}  // namespace

Status validate(const Params& p, const Image& content, const Image& style) {
  return validate(p, content, std::vector<Image>{style});
}

Status validate(const Params& p, const Image& content, const std::vector<Image>& styles) {
  const Limits lim = limits();
  if (!weight_ok(p.content_weight)) return invalid("content weight must be between 0 and 1e9");
  if (!weight_ok(p.style_weight)) return invalid("style weight must be between 0 and 1e9");
  if (!weight_ok(p.tv_weight)) return invalid("TV weight must be between 0 and 1e9");
  if (p.iterations < lim.iterations_min || p.iterations > lim.iterations_max)
    return invalid("iterations must be between " + std::to_string(lim.iterations_min) + " and " +
                   std::to_string(lim.iterations_max));
  if (p.learning_rate != 0.0 &&
      !(p.learning_rate >= lim.learning_rate_min && p.learning_rate <= lim.learning_rate_max))
    return invalid("learning rate must be 0 (the optimiser's default) or between 1e-6 and 10");
  if (p.max_size != 0 && (p.max_size < lim.max_size_min || p.max_size > lim.max_size_max))
    return invalid("max size must be 0 (no cap) or between " + std::to_string(lim.max_size_min) +
                   " and " + std::to_string(lim.max_size_max));
  if (p.scales < lim.scales_min || p.scales > lim.scales_max)
    return invalid("scales must be between " + std::to_string(lim.scales_min) + " and " +
                   std::to_string(lim.scales_max));
  if (p.threads < 0 || p.threads > lim.threads_max) return invalid("threads out of range");
  if (p.random_width_divisor < 1 || p.random_width_divisor > 64)
    return invalid("random width divisor must be between 1 and 64");
  if (!is_layer_name(p.content_layer))
    return invalid("unknown content layer '" + p.content_layer + "'");
  if (p.style_layers.empty()) return invalid("no style layers given");
  for (const auto& lw : p.style_layers) {
    if (!is_layer_name(lw.layer)) return invalid("unknown style layer '" + lw.layer + "'");
    if (!weight_ok(lw.weight)) return invalid("invalid weight for style layer " + lw.layer);
  }
  if (!(p.style_scale >= lim.style_scale_min && p.style_scale <= lim.style_scale_max)) {
    std::ostringstream msg;
    msg << "style scale must be between " << lim.style_scale_min << " and " << lim.style_scale_max;
    return invalid(msg.str());
  }
  if (p.color_preservation != ColorPreservation::None &&
      p.color_preservation != ColorPreservation::Luminance &&
      p.color_preservation != ColorPreservation::ColorTransfer)
    return invalid("unknown colour preservation mode");
  if (styles.empty()) return invalid("no style image given");
  if (styles.size() > static_cast<std::size_t>(lim.styles_max))
    return invalid("at most " + std::to_string(lim.styles_max) + " style images, got " +
                   std::to_string(styles.size()));
  if (!p.style_blend.empty()) {
    if (p.style_blend.size() != styles.size())
      return invalid("style blend has " + std::to_string(p.style_blend.size()) + " weights for " +
                     std::to_string(styles.size()) + " style images");
    double sum = 0;
    for (double w : p.style_blend) {
      if (!weight_ok(w)) return invalid("style blend weights must be between 0 and 1e9");
      sum += w;
    }
    if (!(sum > 0)) return invalid("style blend weights are all zero");
  }
  if (Status s = validate_image(content, "content"); !s.ok()) return s;
  for (std::size_t i = 0; i < styles.size(); ++i) {
    const std::string what = i == 0 ? "style" : "style " + std::to_string(i + 1);
    if (Status s = validate_image(styles[i], what.c_str()); !s.ok()) return s;
  }
  if (p.init == InitMode::Image) {
    if (Status s = validate_image(p.init_image, "initial"); !s.ok()) return s;
  }
  return Status::success();
}

}  // namespace neural_style
