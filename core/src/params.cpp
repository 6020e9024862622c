// Defaults, ranges and validation: the torch-free half of the core, shared by every front end.
#include <algorithm>
#include <cmath>
#include <locale>
#include <sstream>

#include "neural_style/neural_style.h"
#include "neural_style/vocabulary.h"

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

Limits limits() {
  return Limits{};
}

const std::vector<std::string>& layer_names() {
  static const std::vector<std::string> names = {
      "relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu3_3", "relu3_4",
      "relu4_1", "relu4_2", "relu4_3", "relu4_4", "relu5_1", "relu5_2", "relu5_3", "relu5_4"};
  return names;
}

namespace {

Status invalid(const std::string& message) {
  return Status::error(Status::Code::InvalidArgument, message);
}

bool weight_ok(double w) {
  return std::isfinite(w) && w >= 0 && w <= limits().weight_max;
}

// A limit as messages show it ("1e+09", "0.1"), the same in every locale.
std::string number_text(double v) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  s << v;
  return s.str();
}

std::string range_text(double min, double max) {
  return "between " + number_text(min) + " and " + number_text(max);
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

// A mask is drawn over an image: any size, but that image's shape, so that resizing it to the
// image does not move its edges.
static Status validate_mask(const Mask& m, const Image& over, const std::string& what,
                            const char* over_name) {
  if (m.values.size() != static_cast<std::size_t>(m.width) * static_cast<std::size_t>(m.height))
    return invalid(what + " does not match its size");
  for (float v : m.values)
    if (!std::isfinite(v)) return invalid(what + " holds NaN or infinite values");
  const double aspect = static_cast<double>(m.width) / m.height;
  const double over_aspect = static_cast<double>(over.width) / over.height;
  if (std::abs(aspect / over_aspect - 1.0) > 0.01)
    return invalid(what + " is " + std::to_string(m.width) + "x" + std::to_string(m.height) +
                   ", not the shape of the " + std::to_string(over.width) + "x" +
                   std::to_string(over.height) + " " + over_name +
                   " (aspect ratios differ by more than 1 %)");
  return Status::success();
}

// Region styles: none, or one region (or an empty Mask) per style, over the content.
static Status validate_regions(const std::vector<Mask>& regions, const Image& content,
                               std::size_t style_count) {
  if (regions.empty()) return Status::success();
  if (regions.size() != style_count)
    return invalid(std::to_string(regions.size()) + " style regions for " +
                   std::to_string(style_count) + " style images");
  for (std::size_t k = 0; k < regions.size(); ++k) {
    if (regions[k].empty()) continue;
    const std::string what = "the region of style " + std::to_string(k + 1);
    if (Status s = validate_mask(regions[k], content, what, "content"); !s.ok()) return s;
  }
  return Status::success();
}

Status validate(const Params& p, const Image& content, const Image& style) {
  return validate(p, content, std::vector<Image>{style});
}

Status validate(const Params& p, const Image& content, const std::vector<Image>& styles) {
  const Limits lim = limits();
  const std::string weights = range_text(0, lim.weight_max);
  if (!weight_ok(p.content_weight)) return invalid("content weight must be " + weights);
  if (!weight_ok(p.style_weight)) return invalid("style weight must be " + weights);
  if (!weight_ok(p.tv_weight)) return invalid("TV weight must be " + weights);
  if (p.iterations < lim.iterations_min || p.iterations > lim.iterations_max)
    return invalid("iterations must be " + range_text(lim.iterations_min, lim.iterations_max));
  if (p.learning_rate != 0.0 &&
      !(p.learning_rate >= lim.learning_rate_min && p.learning_rate <= lim.learning_rate_max))
    return invalid("learning rate must be 0 (the optimiser's default) or " +
                   range_text(lim.learning_rate_min, lim.learning_rate_max));
  if (!max_size_ok(p.max_size))
    return invalid("max size must be 0 (no cap) or " +
                   range_text(lim.max_size_min, lim.max_size_max));
  if (p.scales < lim.scales_min || p.scales > lim.scales_max)
    return invalid("scales must be " + range_text(lim.scales_min, lim.scales_max));
  if (p.threads < 0 || p.threads > lim.threads_max)
    return invalid("threads must be " + range_text(0, lim.threads_max));
  if (p.random_width_divisor < 1 || p.random_width_divisor > 64)
    return invalid("random width divisor must be between 1 and 64");
  if (!is_layer_name(p.content_layer))
    return invalid("unknown content layer '" + p.content_layer + "'");
  if (p.style_layers.empty()) return invalid("no style layers given");
  for (const auto& lw : p.style_layers) {
    if (!is_layer_name(lw.layer)) return invalid("unknown style layer '" + lw.layer + "'");
    if (!weight_ok(lw.weight)) return invalid("invalid weight for style layer " + lw.layer);
  }
  if (!(p.style_scale >= lim.style_scale_min && p.style_scale <= lim.style_scale_max))
    return invalid("style scale must be " + range_text(lim.style_scale_min, lim.style_scale_max));
  if (index_of(color_mode_names(), p.color_preservation) < 0)
    return invalid("unknown colour preservation mode");
  if (styles.empty()) return invalid("no style image given");
  if (styles.size() > static_cast<std::size_t>(lim.styles_max))
    return invalid("at most " + std::to_string(lim.styles_max) + " style images, got " +
                   std::to_string(styles.size()));
  for (double w : p.style_blend)
    if (!weight_ok(w)) return invalid("style blend weights must be " + weights);
  switch (style_blend_fit(p.style_blend, styles.size())) {
    case BlendFit::Ok: break;
    case BlendFit::WrongCount:
      return invalid("style blend has " + std::to_string(p.style_blend.size()) + " weights for " +
                     std::to_string(styles.size()) + " style images");
    case BlendFit::AllZero: return invalid("style blend weights are all zero");
  }
  if (Status s = validate_image(content, "content"); !s.ok()) return s;
  for (std::size_t i = 0; i < styles.size(); ++i) {
    const std::string what = i == 0 ? "style" : "style " + std::to_string(i + 1);
    if (Status s = validate_image(styles[i], what.c_str()); !s.ok()) return s;
  }
  if (p.init == InitMode::Image) {
    if (Status s = validate_image(p.init_image, "initial"); !s.ok()) return s;
  }
  if (Status s = validate_regions(p.style_regions, content, styles.size()); !s.ok()) return s;
  if (!p.style_source_masks.empty() && p.style_source_masks.size() != styles.size())
    return invalid(std::to_string(p.style_source_masks.size()) + " style source masks for " +
                   std::to_string(styles.size()) + " style images");
  for (std::size_t k = 0; k < p.style_source_masks.size(); ++k) {
    const Mask& m = p.style_source_masks[k];
    if (m.empty()) continue;
    const std::string what = "the source mask of style " + std::to_string(k + 1);
    if (Status s = validate_mask(m, styles[k], what, "style image"); !s.ok()) return s;
    bool any = false;
    for (float v : m.values) any = any || v > 0;
    if (!any) return invalid(what + " selects nothing (it is black everywhere)");
  }
  return Status::success();
}

}  // namespace neural_style
