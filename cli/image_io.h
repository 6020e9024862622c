// Image files for the command line tool, through OpenImageIO (PNG, JPEG, TIFF, ...).
#pragma once

#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style::cli {

struct ImageFile {
  Image rgb;                 // colour, float in [0, 1]
  std::vector<float> alpha;  // one value per pixel, empty when the file has none
  int bits = 8;              // bits per channel in the file (8 or 16; float files count as 16)
};

// Largest image accepted, checked from the header before any pixel is allocated.
constexpr long long kMaxPixels = 16384LL * 16384LL;

bool read_image(const std::string& path, ImageFile* out, std::string* error);

// Writes atomically: a temporary file beside `path`, renamed over it once complete. `bits` is
// honoured where the format has it (PNG, TIFF); JPEG is always 8 bits.
bool write_image(const std::string& path, const ImageFile& image, std::string* error);

// Whether an image can be written at `path` as far as can be known before the run: a format
// for its extension and a writable folder.
bool can_write_image(const std::string& path, std::string* error);

}  // namespace neural_style::cli
