#include "image_io.h"

#include <OpenImageIO/imageio.h>
#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <cstdio>

namespace neural_style::cli {

namespace {

// OpenImageIO's messages can span lines; the CLI promises one line.
std::string one_line(std::string e) {
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  for (auto& c : e)
    if (c == '\n') c = ';';
  return e;
}

std::string oiio_error(const std::string& fallback) {
  const std::string e = one_line(OIIO::geterror());
  return e.empty() ? fallback : e;
}

// libpng and libjpeg print their own complaints to stderr before OpenImageIO returns an error;
// the CLI reports the problem once, in its own words, so they are silenced while decoding.
class QuietStderr {
 public:
  QuietStderr() : saved_(dup(STDERR_FILENO)) {
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved_ >= 0 && null >= 0) dup2(null, STDERR_FILENO);
    if (null >= 0) close(null);
  }
  ~QuietStderr() {
    if (saved_ >= 0) {
      dup2(saved_, STDERR_FILENO);
      close(saved_);
    }
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;

 private:
  int saved_;
};

}  // namespace

bool read_image(const std::string& path, ImageFile* out, std::string* error) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    *error = path + ": no such file";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = path + ": not a regular file";
    return false;
  }
  if (access(path.c_str(), R_OK) != 0) {
    *error = path + ": not readable";
    return false;
  }
  // Keep colour values as stored: OpenImageIO would otherwise premultiply them by alpha.
  OIIO::ImageSpec config;
  config.attribute("oiio:UnassociatedAlpha", 1);
  QuietStderr quiet;
  auto in = OIIO::ImageInput::open(path, &config);
  if (!in) {
    *error = path + ": cannot read image (" + oiio_error("unsupported or damaged file") + ")";
    return false;
  }
  const OIIO::ImageSpec& spec = in->spec();
  const long long pixels = static_cast<long long>(spec.width) * spec.height;
  if (spec.width <= 0 || spec.height <= 0 || spec.nchannels <= 0 || spec.nchannels > 64) {
    *error = path + ": invalid image header";
    return false;
  }
  if (pixels > kMaxPixels) {
    *error = path + ": " + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
             " pixels is larger than the supported 16384x16384";
    return false;
  }
  const int nch = spec.nchannels;
  const int alpha_ch = spec.alpha_channel >= 0  ? spec.alpha_channel
                       : (nch == 2 || nch == 4) ? nch - 1
                                                : -1;
  const bool gray = nch - (alpha_ch >= 0 ? 1 : 0) < 3;
  ImageFile img;
  img.rgb.width = spec.width;
  img.rgb.height = spec.height;
  // Reserved, not filled: the pages become resident only as rows are decoded, so a header that
  // promises 16384x16384 over a few bytes of data costs what was decoded, not 3 GiB.
  img.rgb.rgb.reserve(static_cast<std::size_t>(pixels) * 3);
  if (alpha_ch >= 0) img.alpha.reserve(static_cast<std::size_t>(pixels));
  // Grows the buffers by `count` pixels (touching only the new part) and converts into them.
  auto append = [&](const float* px, long long count) {
    const std::size_t first = img.rgb.rgb.size() / 3;
    img.rgb.rgb.resize(img.rgb.rgb.size() + static_cast<std::size_t>(count) * 3);
    if (alpha_ch >= 0) img.alpha.resize(first + static_cast<std::size_t>(count));
    float* dst = &img.rgb.rgb[first * 3];
    for (long long i = 0; i < count; ++i, px += nch, dst += 3) {
      for (int c = 0; c < 3; ++c) {
        const float v = gray ? px[0] : px[c];
        dst[c] = v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
      }
      if (alpha_ch >= 0) img.alpha[first + static_cast<std::size_t>(i)] = px[alpha_ch];
    }
  };
  const auto decode_error = [&] {
    *error = path + ": cannot decode image (" + one_line(in->geterror()) + ")";
    return false;
  };
  if (spec.tile_width > 0) {
    // Tiled files (TIFF, OpenEXR) are read whole: their tiles do not come in row bands.
    std::vector<float> data(static_cast<std::size_t>(pixels) * nch);
    if (!in->read_image(0, 0, 0, nch, OIIO::TypeDesc::FLOAT, data.data())) return decode_error();
    append(data.data(), pixels);
  } else {
    constexpr int kBandRows = 64;
    std::vector<float> band(static_cast<std::size_t>(spec.width) * nch * kBandRows);
    for (int y = 0; y < spec.height; y += kBandRows) {
      const int rows = std::min(kBandRows, spec.height - y);
      if (!in->read_scanlines(0, 0, spec.y + y, spec.y + y + rows, 0, 0, nch, OIIO::TypeDesc::FLOAT,
                              band.data()))
        return decode_error();
      append(band.data(), static_cast<long long>(rows) * spec.width);
    }
  }
  in->close();

  const auto base = spec.format.basetype;
  img.bits = (base == OIIO::TypeDesc::UINT8 || base == OIIO::TypeDesc::INT8) ? 8 : 16;
  *out = std::move(img);
  return true;
}

bool can_write_image(const std::string& path, std::string* error) {
  if (!OIIO::ImageOutput::create(path)) {
    *error = path + ": unsupported output format (use .png, .jpg or .tif)";
    return false;
  }
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (access(dir.empty() ? "/" : dir.c_str(), W_OK) != 0) {
    *error = "cannot write into the folder of " + path;
    return false;
  }
  return true;
}

bool write_image(const std::string& path, const ImageFile& image, std::string* error) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  // Same extension, so that OpenImageIO picks the same format for the temporary file.
  const std::string tmp = dir + "/." + name + ".partial-" + std::to_string(getpid()) + ext;

  auto out = OIIO::ImageOutput::create(path);
  if (!out) {
    *error = path + ": unsupported output format (use .png, .jpg or .tif)";
    return false;
  }
  const bool has_alpha = !image.alpha.empty();
  const int nch = has_alpha ? 4 : 3;
  // Formats without 16-bit samples (JPEG) are converted down by OpenImageIO itself.
  const bool deep = image.bits > 8;
  OIIO::ImageSpec spec(image.rgb.width, image.rgb.height, nch,
                       deep ? OIIO::TypeDesc::UINT16 : OIIO::TypeDesc::UINT8);
  if (has_alpha) {
    spec.alpha_channel = 3;
    spec.attribute("oiio:UnassociatedAlpha", 1);
  }
  const std::size_t pixels = image.rgb.pixel_count();
  std::vector<float> data(pixels * nch);
  for (std::size_t i = 0; i < pixels; ++i) {
    for (int c = 0; c < 3; ++c) data[i * nch + c] = image.rgb.rgb[i * 3 + c];
    if (has_alpha) data[i * nch + 3] = image.alpha[i];
  }
  if (!out->open(tmp, spec)) {
    *error = path + ": cannot write (" + oiio_error(out->geterror()) + ")";
    std::remove(tmp.c_str());
    return false;
  }
  const bool ok = out->write_image(OIIO::TypeDesc::FLOAT, data.data()) && out->close();
  if (!ok) {
    *error = path + ": cannot write (" + oiio_error(out->geterror()) + ")";
    std::remove(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = path + ": cannot replace the output file";
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace neural_style::cli
