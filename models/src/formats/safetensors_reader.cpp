// safetensors: an 8-byte little-endian header length, a JSON header, then the raw data.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

#include "formats/internal.h"

namespace neural_style {
namespace model_files {

namespace {

// A header this large is not a VGG checkpoint; refusing it bounds what the JSON parser holds.
constexpr std::uint64_t kMaxHeaderBytes = 16u << 20;

bool safetensors_dtype(const std::string& name, DType* type) {
  static const std::pair<const char*, DType> kTypes[] = {
      {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16}, {"F64", DType::F64}};
  for (const auto& [n, t] : kTypes)
    if (name == n) {
      *type = t;
      return true;
    }
  return false;
}

struct Entry {
  std::string name;
  bool known_dtype = false;
  TensorView view;
  std::uint64_t begin = 0, end = 0;
};

}  // namespace

void parse_safetensors(const std::uint8_t* data, std::size_t size, const Wanted& wanted,
                       Checkpoint* out) {
  if (size < 8) fail("too short to be a safetensors file");
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | data[i];
  const std::uint64_t file_size = size;
  if (header_len == 0 || header_len > kMaxHeaderBytes || header_len > file_size - 8)
    fail("header length " + std::to_string(header_len) + " does not fit the file (" +
         std::to_string(file_size) + " bytes); not a safetensors file or truncated");
  const std::uint8_t* header_begin = data + 8;
  const std::uint8_t* header_end = header_begin + header_len;
  const std::uint64_t data_start = 8 + header_len;
  const std::uint64_t data_size = file_size - data_start;

  nlohmann::json json =
      nlohmann::json::parse(header_begin, header_end, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) fail("header is not a JSON object");

  Checkpoint result;
  result.format = ModelFormat::Safetensors;
  std::vector<Entry> entries;
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& raw_name = it.key();
    const nlohmann::json& v = it.value();
    if (raw_name == "__metadata__") {
      if (!v.is_object()) fail("__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m)
        if (m.value().is_string()) result.metadata[m.key()] = m.value().get<std::string>();
      continue;
    }
    const std::string name = canonical_name(raw_name);
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets"))
      fail("tensor " + name + " lacks dtype, shape or data_offsets");
    const auto& jd = v["dtype"];
    const auto& js = v["shape"];
    const auto& jo = v["data_offsets"];
    if (!jd.is_string() || !js.is_array() || !jo.is_array() || jo.size() != 2 ||
        !jo[0].is_number_unsigned() || !jo[1].is_number_unsigned())
      fail("tensor " + name + " has a malformed entry");
    if (std::find(result.names.begin(), result.names.end(), name) != result.names.end())
      fail("tensor " + name + " appears twice");
    result.names.push_back(name);
    Entry e;
    e.name = name;
    e.known_dtype = safetensors_dtype(jd.get<std::string>(), &e.view.dtype);
    e.begin = jo[0].get<std::uint64_t>();
    e.end = jo[1].get<std::uint64_t>();
    if (e.end < e.begin || e.end > data_size)
      fail("tensor " + name + " has data offsets outside the file");
    if (js.size() > 16) fail("tensor " + name + " has an impossible shape");
    std::uint64_t numel = 1;
    for (const auto& d : js) {
      if (!d.is_number_unsigned()) fail("tensor " + name + " has a bad shape");
      const std::uint64_t dim = d.get<std::uint64_t>();
      if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          (dim != 0 && numel > std::numeric_limits<std::uint64_t>::max() / 16 / dim))
        fail("tensor " + name + " has an impossible shape");
      numel *= dim;
      e.view.shape.push_back(static_cast<std::int64_t>(dim));
    }
    // Row-major strides: safetensors has no others. An empty tensor's do not matter (and the
    // shape check above does not bound its other sizes' product).
    e.view.stride.assign(e.view.shape.size(), 1);
    if (numel > 0)
      for (std::size_t d = e.view.shape.size(); d-- > 1;)
        e.view.stride[d - 1] = e.view.stride[d] * e.view.shape[d];
    if (wanted && !wanted(name)) {
      entries.push_back(e);  // still checked for overlaps below
      continue;
    }
    if (!e.known_dtype)
      fail("tensor " + name + " has unsupported dtype " + jd.get<std::string>() +
           " (expected F32, F16 or BF16)");
    const std::uint64_t need = numel * static_cast<std::uint64_t>(dtype_bytes(e.view.dtype));
    if (need != e.end - e.begin)
      fail("tensor " + name + " has " + std::to_string(e.end - e.begin) +
           " bytes of data, its shape needs " + std::to_string(need));
    entries.push_back(e);
  }

  std::vector<const Entry*> by_offset;
  for (const auto& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      fail("tensors " + by_offset[i - 1]->name + " and " + by_offset[i]->name + " overlap");

  for (const auto& e : entries) {
    if (wanted && !wanted(e.name)) continue;
    const std::uint64_t elements = (e.end - e.begin) / dtype_bytes(e.view.dtype);
    check_view(e.name, e.view, elements);
    result.tensors[e.name] = convert_view(e.name, e.view, data + data_start + e.begin);
  }
  *out = std::move(result);
}

}  // namespace model_files
}  // namespace neural_style
