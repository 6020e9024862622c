#include "pixels.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <new>

#include "i18n.h"

namespace neural_style::plugin {
namespace {

// Sizes come from user images: check the product before allocating so that a huge layer gives
// a message instead of a wrapped size or a crash.
bool allocate(std::vector<float>* data, int width, int height, int channels, std::string* error) {
  const std::uint64_t count = static_cast<std::uint64_t>(width) *
                              static_cast<std::uint64_t>(height) *
                              static_cast<std::uint64_t>(channels);
  if (count > std::numeric_limits<std::size_t>::max() / sizeof(float)) {
    if (error) *error = _("The layer is too large to process.");
    return false;
  }
  try {
    data->assign(static_cast<std::size_t>(count), 0.0f);
  } catch (const std::bad_alloc&) {
    if (error)
      *error = _("Not enough memory to read the layer. Try a smaller selection or Max size.");
    return false;
  }
  return true;
}

GeglRectangle rect_of(const Region& r) {
  return {r.x, r.y, r.width, r.height};
}

}  // namespace

const Babl* float_rgba_format(GeglBuffer* buffer) {
  // Stay in the drawable's own colour space: converting to sRGB and back could clip colours of
  // wide-gamut images.
  return babl_format_with_space("R'G'B'A float",
                                babl_format_get_space(gegl_buffer_get_format(buffer)));
}

bool read_rgba(GeglBuffer* buffer, const Region& region, RgbaImage* out, std::string* error) {
  if (!allocate(&out->rgba, region.width, region.height, 4, error)) return false;
  out->width = region.width;
  out->height = region.height;
  const GeglRectangle rect = rect_of(region);
  gegl_buffer_get(buffer, &rect, 1.0, float_rgba_format(buffer), out->rgba.data(),
                  GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return true;
}

bool read_rgb(GeglBuffer* buffer, const Region& region, neural_style::Image* out,
              std::string* error) {
  if (!allocate(&out->rgb, region.width, region.height, 3, error)) return false;
  out->width = region.width;
  out->height = region.height;
  const GeglRectangle rect = rect_of(region);
  const Babl* format =
      babl_format_with_space("R'G'B' float", babl_format_get_space(gegl_buffer_get_format(buffer)));
  gegl_buffer_get(buffer, &rect, 1.0, format, out->rgb.data(), GEGL_AUTO_ROWSTRIDE,
                  GEGL_ABYSS_NONE);
  return true;
}

void write_rgba(GeglBuffer* buffer, int x, int y, const RgbaImage& image) {
  const GeglRectangle rect = {x, y, image.width, image.height};
  gegl_buffer_set(buffer, &rect, 0, float_rgba_format(buffer), image.rgba.data(),
                  GEGL_AUTO_ROWSTRIDE);
}

neural_style::Image rgb_of(const RgbaImage& image) {
  neural_style::Image out;
  out.width = image.width;
  out.height = image.height;
  out.rgb.resize(image.pixel_count() * 3);
  for (std::size_t i = 0, n = image.pixel_count(); i < n; ++i) {
    out.rgb[3 * i + 0] = image.rgba[4 * i + 0];
    out.rgb[3 * i + 1] = image.rgba[4 * i + 1];
    out.rgb[3 * i + 2] = image.rgba[4 * i + 2];
  }
  return out;
}

RgbaImage with_alpha_of(const neural_style::Image& rgb, const RgbaImage& alpha_source) {
  RgbaImage out;
  if (rgb.width != alpha_source.width || rgb.height != alpha_source.height) return out;
  out.width = rgb.width;
  out.height = rgb.height;
  out.rgba.resize(out.pixel_count() * 4);
  for (std::size_t i = 0, n = out.pixel_count(); i < n; ++i) {
    for (int c = 0; c < 3; ++c) out.rgba[4 * i + c] = std::clamp(rgb.rgb[3 * i + c], 0.0f, 1.0f);
    out.rgba[4 * i + 3] = alpha_source.rgba[4 * i + 3];
  }
  return out;
}

}  // namespace neural_style::plugin
