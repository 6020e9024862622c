#include "weights.h"

#include "geometry.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

namespace neural_style {

namespace {

// A header this large is not a VGG checkpoint; refusing it bounds what we allocate.
constexpr std::uint64_t kMaxHeaderBytes = 16u << 20;

Status model_error(const std::string& path, const std::string& what) {
  return Status::error(Status::Code::ModelError, path + ": " + what);
}

struct DtypeInfo {
  const char* name;
  int bytes;
  torch::ScalarType type;
};

const DtypeInfo* find_dtype(const std::string& name) {
  static const DtypeInfo kTypes[] = {
      {"F32", 4, torch::kFloat32}, {"F16", 2, torch::kFloat16}, {"BF16", 2, torch::kBFloat16}};
  for (const auto& t : kTypes)
    if (name == t.name) return &t;
  return nullptr;
}

struct Entry {
  std::string name;
  const DtypeInfo* dtype;
  std::vector<int64_t> shape;
  std::uint64_t begin, end;
};

}  // namespace

Status read_safetensors(const std::string& path,
                        const std::function<bool(const std::string&)>& wanted, WeightsFile* out) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    return model_error(path, "cannot open (" + std::string(std::strerror(errno)) + ")");
  if (!S_ISREG(st.st_mode)) return model_error(path, "not a regular file");
  const std::uint64_t file_size = static_cast<std::uint64_t>(st.st_size);
  std::ifstream in(path, std::ios::binary);
  if (!in) return model_error(path, "cannot open for reading");
  if (file_size < 8) return model_error(path, "too short to be a safetensors file");

  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  if (header_len == 0 || header_len > kMaxHeaderBytes || header_len > file_size - 8)
    return model_error(path, "header length " + std::to_string(header_len) +
                                 " does not fit the file (" + std::to_string(file_size) +
                                 " bytes); not a safetensors file or truncated");
  std::string header(header_len, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_len)))
    return model_error(path, "cannot read header");
  const std::uint64_t data_start = 8 + header_len;
  const std::uint64_t data_size = file_size - data_start;

  nlohmann::json json = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return model_error(path, "header is not a JSON object");

  std::vector<Entry> entries;
  WeightsFile result;
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) return model_error(path, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m)
        if (m.value().is_string()) result.metadata[m.key()] = m.value().get<std::string>();
      continue;
    }
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets"))
      return model_error(path, "tensor " + name + " lacks dtype, shape or data_offsets");
    const auto& jd = v["dtype"];
    const auto& js = v["shape"];
    const auto& jo = v["data_offsets"];
    if (!jd.is_string() || !js.is_array() || !jo.is_array() || jo.size() != 2 ||
        !jo[0].is_number_unsigned() || !jo[1].is_number_unsigned())
      return model_error(path, "tensor " + name + " has a malformed entry");
    result.names.push_back(name);
    Entry e;
    e.name = name;
    e.dtype = find_dtype(jd.get<std::string>());
    e.begin = jo[0].get<std::uint64_t>();
    e.end = jo[1].get<std::uint64_t>();
    if (e.end < e.begin || e.end > data_size)
      return model_error(path, "tensor " + name + " has data offsets outside the file");
    std::uint64_t numel = 1;
    for (const auto& d : js) {
      if (!d.is_number_unsigned()) return model_error(path, "tensor " + name + " has a bad shape");
      const std::uint64_t dim = d.get<std::uint64_t>();
      if (dim > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (dim != 0 && numel > std::numeric_limits<std::uint64_t>::max() / 16 / dim))
        return model_error(path, "tensor " + name + " has an impossible shape");
      numel *= dim;
      e.shape.push_back(static_cast<int64_t>(dim));
    }
    if (!wanted(name)) {
      entries.push_back(e);  // still checked for overlaps below
      continue;
    }
    if (!e.dtype)
      return model_error(path, "tensor " + name + " has unsupported dtype " +
                                   jd.get<std::string>() + " (expected F32, F16 or BF16)");
    if (numel * static_cast<std::uint64_t>(e.dtype->bytes) != e.end - e.begin)
      return model_error(path, "tensor " + name + " has " + std::to_string(e.end - e.begin) +
                                   " bytes of data, its shape needs " +
                                   std::to_string(numel * e.dtype->bytes));
    entries.push_back(e);
  }

  std::vector<const Entry*> by_offset;
  for (const auto& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      return model_error(
          path, "tensors " + by_offset[i - 1]->name + " and " + by_offset[i]->name + " overlap");

  for (const auto& e : entries) {
    if (!e.dtype || !wanted(e.name)) continue;
    auto raw = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype->type));
    in.seekg(static_cast<std::streamoff>(data_start + e.begin));
    if (!in.read(static_cast<char*>(raw.data_ptr()), static_cast<std::streamsize>(e.end - e.begin)))
      return model_error(path, "cannot read data of tensor " + e.name + " (file truncated?)");
    // safetensors is little-endian, as is every machine LibTorch targets here.
    result.tensors[e.name] = raw.to(torch::kFloat32);
  }
  *out = std::move(result);
  return Status::success();
}

Status count_vgg19_convs(const std::string& path, int* depth) {
  WeightsFile file;
  if (Status s = read_safetensors(
          path, [](const std::string&) { return false; }, &file);
      !s.ok())
    return s;
  auto has = [&](const std::string& name) {
    return std::find(file.names.begin(), file.names.end(), name) != file.names.end();
  };
  int n = 0;
  for (const ConvSpec& c : vgg19_convs()) {
    const std::string key = "features." + std::to_string(c.feature_index);
    if (!has(key + ".weight") || !has(key + ".bias")) break;
    ++n;
  }
  *depth = n;
  return Status::success();
}

Status write_safetensors(const std::string& path,
                         const std::map<std::string, torch::Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> blobs;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    const std::uint64_t bytes = static_cast<std::uint64_t>(c.numel()) * 4;
    header[name] = {
        {"dtype", "F32"}, {"shape", c.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    blobs.push_back(c);
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text += ' ';  // keeps the data 8-byte aligned
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::error(Status::Code::Internal, "cannot write " + tmp);
    unsigned char len[8];
    std::uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& b : blobs)
      out.write(static_cast<const char*>(b.data_ptr()),
                static_cast<std::streamsize>(b.numel() * 4));
    if (!out.flush()) {
      std::remove(tmp.c_str());
      return Status::error(Status::Code::Internal, "cannot write " + tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::error(Status::Code::Internal, "cannot rename " + tmp + " to " + path);
  }
  return Status::success();
}

}  // namespace neural_style
