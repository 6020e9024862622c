// Element types, bounds checks of strided views, and conversion to float32.
#include <cmath>
#include <cstring>
#include <limits>

#include "formats/internal.h"

namespace neural_style {
namespace model_files {

namespace {

// A tensor has at most this many dimensions here; bounds the per-element index arithmetic.
constexpr std::size_t kMaxDims = 16;

std::uint16_t load_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

std::uint32_t load_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

std::uint64_t load_u64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(load_u32(p)) |
         (static_cast<std::uint64_t>(load_u32(p + 4)) << 32);
}

float bits_to_float(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float32.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) return bits_to_float(sign | 0x7f800000u | (mantissa << 13));
  return bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

float load_float(DType type, const std::uint8_t* p) {
  switch (type) {
    case DType::F32: return bits_to_float(load_u32(p));
    case DType::F16: return half_to_float(load_u16(p));
    case DType::BF16: return bits_to_float(static_cast<std::uint32_t>(load_u16(p)) << 16);
    case DType::F64: {
      const std::uint64_t bits = load_u64(p);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return static_cast<float>(d);
    }
    default: break;
  }
  return 0.0f;  // unreachable: convert_view refuses non-float types first
}

}  // namespace

int dtype_bytes(DType type) {
  switch (type) {
    case DType::F32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    case DType::F64: return 8;
    case DType::I64: return 8;
    case DType::I32: return 4;
    case DType::I16: return 2;
    case DType::I8: return 1;
    case DType::U8: return 1;
    case DType::Bool: return 1;
  }
  return 1;
}

const char* dtype_name(DType type) {
  switch (type) {
    case DType::F32: return "float32";
    case DType::F16: return "float16";
    case DType::BF16: return "bfloat16";
    case DType::F64: return "float64";
    case DType::I64: return "int64";
    case DType::I32: return "int32";
    case DType::I16: return "int16";
    case DType::I8: return "int8";
    case DType::U8: return "uint8";
    case DType::Bool: return "bool";
  }
  return "?";
}

bool dtype_is_float(DType type) {
  return type == DType::F32 || type == DType::F16 || type == DType::BF16 || type == DType::F64;
}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const char* what) {
  if (a > std::numeric_limits<std::uint64_t>::max() - b) fail(what);
  return a + b;
}

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const char* what) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) fail(what);
  return a * b;
}

std::uint64_t check_view(const std::string& name, const TensorView& view,
                         std::uint64_t storage_elements) {
  if (view.shape.size() != view.stride.size())
    fail("tensor " + name + " has " + std::to_string(view.shape.size()) + " sizes but " +
         std::to_string(view.stride.size()) + " strides");
  if (view.shape.size() > kMaxDims)
    fail("tensor " + name + " has " + std::to_string(view.shape.size()) + " dimensions");
  if (view.offset < 0) fail("tensor " + name + " has a negative storage offset");
  const std::string impossible = "tensor " + name + " has an impossible shape";
  std::uint64_t numel = 1;
  std::uint64_t last = static_cast<std::uint64_t>(view.offset);
  for (std::size_t d = 0; d < view.shape.size(); ++d) {
    if (view.shape[d] < 0 || view.stride[d] < 0) fail(impossible);
    // A broadcast (stride 0) repeats one element: never a trained weight, and the conversion
    // would allocate more than the file holds.
    if (view.stride[d] == 0 && view.shape[d] > 1)
      fail("tensor " + name + " uses its storage's elements more than once");
    numel = checked_mul(numel, static_cast<std::uint64_t>(view.shape[d]), impossible.c_str());
  }
  if (numel == 0) {
    if (last > storage_elements)
      fail("tensor " + name + " starts at element " + std::to_string(last) +
           ", outside its storage of " + std::to_string(storage_elements) + " elements");
    return 0;
  }
  for (std::size_t d = 0; d < view.shape.size(); ++d)
    last = checked_add(last,
                       checked_mul(static_cast<std::uint64_t>(view.shape[d] - 1),
                                   static_cast<std::uint64_t>(view.stride[d]), impossible.c_str()),
                       impossible.c_str());
  if (last >= storage_elements)
    fail("tensor " + name + " reaches element " + std::to_string(last) +
         ", outside its storage of " + std::to_string(storage_elements) + " elements");
  // Only overlapping strides (0, or smaller than the inner extent) can address more elements
  // than the storage has; refusing them bounds what the conversion allocates by the file size.
  if (numel > storage_elements)
    fail("tensor " + name + " uses its storage's elements more than once");
  return numel;
}

FloatTensor convert_view(const std::string& name, const TensorView& view,
                         const std::uint8_t* storage) {
  if (!dtype_is_float(view.dtype))
    fail("tensor " + name + " has unsupported dtype " + dtype_name(view.dtype) +
         " (expected float32, float16, bfloat16 or float64)");
  FloatTensor out;
  out.shape = view.shape;
  std::uint64_t numel = 1;
  for (std::int64_t s : view.shape) numel *= static_cast<std::uint64_t>(s);
  out.values.resize(static_cast<std::size_t>(numel));
  if (numel == 0) return out;
  const std::size_t bytes = static_cast<std::size_t>(dtype_bytes(view.dtype));
  const std::size_t dims = view.shape.size();
  bool row_major = true;
  std::int64_t expected = 1;
  for (std::size_t d = dims; d-- > 0;) {
    if (view.shape[d] != 1 && view.stride[d] != expected) row_major = false;
    expected *= view.shape[d];
  }
  if (row_major) {
    // The common case, a contiguous tensor: no index arithmetic per element.
    const std::uint8_t* p = storage + static_cast<std::uint64_t>(view.offset) * bytes;
    if (view.dtype == DType::F32 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
      std::memcpy(out.values.data(), p, out.values.size() * sizeof(float));
    } else {
      for (std::size_t i = 0; i < out.values.size(); ++i)
        out.values[i] = load_float(view.dtype, p + i * bytes);
    }
    return out;
  }
  // Walks the elements in row-major order, moving a storage index with the strides.
  std::vector<std::int64_t> index(dims, 0);
  std::uint64_t pos = static_cast<std::uint64_t>(view.offset);
  for (std::size_t i = 0; i < out.values.size(); ++i) {
    out.values[i] = load_float(view.dtype, storage + pos * bytes);
    for (std::size_t d = dims; d-- > 0;) {
      if (++index[d] < view.shape[d]) {
        pos += static_cast<std::uint64_t>(view.stride[d]);
        break;
      }
      pos -= static_cast<std::uint64_t>(view.stride[d]) * static_cast<std::uint64_t>(index[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}

std::string canonical_name(const std::string& name) {
  const std::string prefix = "module.";
  return name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : name;
}

}  // namespace model_files
}  // namespace neural_style
