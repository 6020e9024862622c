// Shared pieces of the torch-free checkpoint parsers. The parsers throw ParseError internally
// (a parse is many nested checks, each of which can only give up); read_checkpoint_bytes turns
// it into a Status naming the file, so nothing crosses the public boundary as an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "neural_style/model_files.h"

namespace neural_style {
namespace model_files {

using Wanted = std::function<bool(const std::string&)>;

class ParseError : public std::runtime_error {
 public:
  explicit ParseError(const std::string& what) : std::runtime_error(what) {}
};

[[noreturn]] inline void fail(const std::string& what) {
  throw ParseError(what);
}

// Element types a checkpoint may hold. Only the floating ones convert to float32; the others
// are known so that a state dict holding them (say, BatchNorm's counters) can be listed.
enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool };
int dtype_bytes(DType type);
const char* dtype_name(DType type);  // "float32", ...
bool dtype_is_float(DType type);

// Everything needed to read one tensor out of a block of raw storage bytes.
struct TensorView {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> stride;  // in elements, may be non-contiguous
  std::int64_t offset = 0;           // in elements from the storage's start
};

// Checks that every element `view` addresses lies inside a storage of `storage_elements`;
// throws naming `name` otherwise. Returns the tensor's element count.
std::uint64_t check_view(const std::string& name, const TensorView& view,
                         std::uint64_t storage_elements);

// Converts (honouring strides) from little-endian storage bytes to float32, row-major.
// `check_view` must have passed for the same storage.
FloatTensor convert_view(const std::string& name, const TensorView& view,
                         const std::uint8_t* storage);

// Applies read_checkpoint's naming rules: "module." stripped.
std::string canonical_name(const std::string& name);

// Sums that may not wrap: throws with `what` when they would.
std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const char* what);
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const char* what);

// The format parsers. Each fills `out` (format, tensors, names, metadata) or throws ParseError.
void parse_safetensors(const std::uint8_t* data, std::size_t size, const Wanted& wanted,
                       Checkpoint* out);
void parse_torch_zip(const std::uint8_t* data, std::size_t size, const Wanted& wanted,
                     Checkpoint* out);
void parse_torch_legacy(const std::uint8_t* data, std::size_t size, const Wanted& wanted,
                        Checkpoint* out);

ModelFormat detect_format_bytes(const std::uint8_t* data, std::size_t size);

}  // namespace model_files
}  // namespace neural_style
