// Format detection, the public entry points, checks of a VGG-19, and the safetensors writer.
#include "neural_style/model_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

#include "fd.h"
#include "formats/internal.h"
#include "neural_style/vgg19_layout.h"

namespace neural_style {

namespace mf = model_files;
using models_fd::Fd;

namespace {

Status model_error(const std::string& path, const std::string& what) {
  return Status::error(Status::Code::ModelError, path + ": " + what);
}

std::string errno_text() {
  return std::strerror(errno);
}

// The whole file mapped read-only: parsers see one block of bytes, and a large checkpoint is
// paged in only where tensors are read.
class MappedFile {
 public:
  MappedFile(const void* data, std::size_t size) : data_(data), size_(size) {}
  ~MappedFile() {
    if (data_) ::munmap(const_cast<void*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

 private:
  const void* data_;
  std::size_t size_;
};

std::string hex_prefix(const std::uint8_t* data, std::size_t size) {
  std::string s;
  char buf[4];
  for (std::size_t i = 0; i < size && i < 4; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", data[i]);
    if (!s.empty()) s += ' ';
    s += buf;
  }
  return s;
}

std::string conv_key(int feature_index, const char* what) {
  return "features." + std::to_string(feature_index) + "." + what;
}

// Whether a name is one of VGG-19's convolution tensors; fills the index into vgg19_convs().
bool vgg_conv_tensor(const std::string& name, int* conv) {
  const auto& convs = vgg19_convs();
  for (std::size_t i = 0; i < convs.size(); ++i)
    if (name == conv_key(convs[i].feature_index, "weight") ||
        name == conv_key(convs[i].feature_index, "bias")) {
      if (conv) *conv = static_cast<int>(i);
      return true;
    }
  return false;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The checks of verify_model on a checkpoint read with its convolutions.
Status verify_checkpoint(const std::string& path, const Checkpoint& ckpt, ModelReport* report) {
  const auto& convs = vgg19_convs();
  ModelReport r;
  r.format = ckpt.format;
  auto has = [&](const std::string& name) { return ckpt.tensors.count(name) != 0; };
  for (const std::string& name : ckpt.names) {
    if (vgg_conv_tensor(name, nullptr)) continue;
    if (name.compare(0, 9, "features.") == 0)
      return model_error(path, "tensor " + name +
                                   " is not part of VGG-19's convolutions (a VGG with batch "
                                   "normalisation, or another network?)");
    r.skipped.push_back(name);
  }
  int count = 0;
  while (count < static_cast<int>(convs.size()) &&
         has(conv_key(convs[static_cast<std::size_t>(count)].feature_index, "weight")) &&
         has(conv_key(convs[static_cast<std::size_t>(count)].feature_index, "bias")))
    ++count;
  if (count == 0) {
    const char* what = has("features.0.weight") ? "features.0.bias" : "features.0.weight";
    return model_error(path, std::string("holds no VGG-19 convolution (") + what + " is missing)");
  }
  for (std::size_t i = static_cast<std::size_t>(count); i < convs.size(); ++i) {
    for (const char* part : {"weight", "bias"})
      if (has(conv_key(convs[i].feature_index, part))) {
        const int gap = convs[static_cast<std::size_t>(count)].feature_index;
        const bool weight = has(conv_key(gap, "weight"));
        return model_error(path, "tensor " + conv_key(gap, weight ? "bias" : "weight") +
                                     " is missing but deeper convolutions are present (" +
                                     conv_key(convs[i].feature_index, part) + ")");
      }
  }
  for (int i = 0; i < count; ++i) {
    const ConvSpec& c = convs[static_cast<std::size_t>(i)];
    const FloatTensor& w = ckpt.tensors.at(conv_key(c.feature_index, "weight"));
    const FloatTensor& b = ckpt.tensors.at(conv_key(c.feature_index, "bias"));
    const std::vector<std::int64_t> want_w = {c.out_channels, c.in_channels, 3, 3};
    const std::vector<std::int64_t> want_b = {c.out_channels};
    if (w.shape != want_w)
      return model_error(path, "tensor " + conv_key(c.feature_index, "weight") + " has shape " +
                                   shape_text(w.shape) + ", VGG-19 needs " + shape_text(want_w));
    if (b.shape != want_b)
      return model_error(path, "tensor " + conv_key(c.feature_index, "bias") + " has shape " +
                                   shape_text(b.shape) + ", VGG-19 needs " + shape_text(want_b));
    for (const FloatTensor* t : {&w, &b})
      for (float v : t->values)
        if (!std::isfinite(v))
          return model_error(path, "tensor " +
                                       conv_key(c.feature_index, t == &w ? "weight" : "bias") +
                                       " holds NaN or Inf values");
  }
  r.conv_count = count;
  auto conv = ckpt.metadata.find("input_convention");
  r.caffe_convention = conv != ckpt.metadata.end() && conv->second.rfind("caffe", 0) == 0;
  *report = std::move(r);
  return Status::success();
}

bool only_convolutions(const std::string& name) {
  return vgg_conv_tensor(name, nullptr);
}

}  // namespace

const char* model_format_name(ModelFormat format) {
  switch (format) {
    case ModelFormat::Safetensors: return "safetensors";
    case ModelFormat::TorchZip: return "pytorch-zip";
    case ModelFormat::TorchLegacy: return "pytorch-legacy";
    case ModelFormat::Unknown: break;
  }
  return "unknown";
}

namespace model_files {

ModelFormat detect_format_bytes(const std::uint8_t* data, std::size_t size) {
  if (size >= 4 && data[0] == 'P' && data[1] == 'K' &&
      ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6)))
    return ModelFormat::TorchZip;
  // torch.save's first pickle: PROTO 2, then the magic number as a 10-byte LONG1.
  if (size >= 4 && data[0] == 0x80 && data[1] == 0x02 && data[2] == 0x8a && data[3] == 0x0a)
    return ModelFormat::TorchLegacy;
  // A little-endian header length, small enough to be one (its high bytes zero); checked
  // against the file by the parser, so that a truncated file is named as such.
  if (size >= 8 && data[5] == 0 && data[6] == 0 && data[7] == 0) return ModelFormat::Safetensors;
  if (size >= 1 && data[0] == 0x80) return ModelFormat::TorchLegacy;  // some other pickle
  return ModelFormat::Unknown;
}

}  // namespace model_files

Status read_checkpoint_bytes(const std::string& name, const std::uint8_t* data, std::size_t size,
                             const std::function<bool(const std::string&)>& wanted,
                             Checkpoint* out) {
  if (size == 0) return model_error(name, "the file is empty (too short to be a model file)");
  try {
    Checkpoint result;
    switch (mf::detect_format_bytes(data, size)) {
      case ModelFormat::Safetensors: mf::parse_safetensors(data, size, wanted, &result); break;
      case ModelFormat::TorchZip: mf::parse_torch_zip(data, size, wanted, &result); break;
      case ModelFormat::TorchLegacy: mf::parse_torch_legacy(data, size, wanted, &result); break;
      case ModelFormat::Unknown:
        if (size < 9) return model_error(name, "too short to be a model file");
        return model_error(name,
                           "not a model file: neither safetensors nor a PyTorch checkpoint "
                           "(it starts with bytes " +
                               hex_prefix(data, size) + ")");
    }
    *out = std::move(result);
    return Status::success();
  } catch (const mf::ParseError& e) {
    return model_error(name, e.what());
  } catch (const std::bad_alloc&) {
    return Status::error(Status::Code::OutOfMemory, name + ": out of memory while reading");
  } catch (const std::exception& e) {
    return model_error(name, e.what());
  }
}

ModelFormat detect_model_format(const std::string& path) {
  std::uint8_t head[16] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return ModelFormat::Unknown;
  const std::size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  return mf::detect_format_bytes(head, n);
}

Status read_checkpoint(const std::string& path,
                       const std::function<bool(const std::string&)>& wanted, Checkpoint* out) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return model_error(path, "cannot open (" + errno_text() + ")");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return model_error(path, "cannot stat (" + errno_text() + ")");
  if (!S_ISREG(st.st_mode)) return model_error(path, "not a regular file");
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) return read_checkpoint_bytes(path, nullptr, 0, wanted, out);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) return model_error(path, "cannot map (" + errno_text() + ")");
  MappedFile mapping(map, size);
  return read_checkpoint_bytes(path, static_cast<const std::uint8_t*>(map), size, wanted, out);
}

Status verify_model(const std::string& path, ModelReport* report) {
  Checkpoint ckpt;
  if (Status s = read_checkpoint(path, only_convolutions, &ckpt); !s.ok()) return s;
  ModelReport r;
  if (Status s = verify_checkpoint(path, ckpt, &r); !s.ok()) return s;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) r.file_bytes = static_cast<std::uint64_t>(st.st_size);
  if (report) *report = std::move(r);
  return Status::success();
}

Status write_safetensors_file(const std::string& path,
                              const std::map<std::string, FloatTensor>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    std::uint64_t numel = 1;
    for (std::int64_t d : t.shape) {
      if (d < 0)
        return Status::error(Status::Code::InvalidArgument, "tensor " + name + ": negative size");
      numel *= static_cast<std::uint64_t>(d);
    }
    if (numel != t.values.size())
      return Status::error(Status::Code::InvalidArgument,
                           "tensor " + name + " has " + std::to_string(t.values.size()) +
                               " values for shape " + shape_text(t.shape));
    const std::uint64_t bytes = numel * 4;
    header[name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text += ' ';  // keeps the data 8-byte aligned

  const std::string tmpl = path + ".XXXXXX";
  std::vector<char> tmp(tmpl.begin(), tmpl.end());
  tmp.push_back('\0');
  Fd fd(::mkstemp(tmp.data()));
  auto io_error = [&](const std::string& what) {
    const std::string reason = errno_text();
    ::unlink(tmp.data());
    return Status::error(Status::Code::Internal,
                         "cannot " + what + " " + path + " (" + reason + ")");
  };
  if (fd.get() < 0)
    return Status::error(Status::Code::Internal,
                         "cannot write " + path + " (" + errno_text() + ")");
  auto write_all = [&](const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      const ssize_t w = ::write(fd.get(), p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  };
  unsigned char len[8];
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
  bool ok = write_all(len, 8) && write_all(text.data(), text.size());
  for (auto it = tensors.begin(); ok && it != tensors.end(); ++it)
    ok = write_all(it->second.values.data(), it->second.values.size() * sizeof(float));
  // The file is readable by others like any data file, not private as mkstemp makes it.
  if (ok) ok = ::fchmod(fd.get(), 0644) == 0 && ::fsync(fd.get()) == 0;
  if (!ok || !fd.close()) return io_error("write");
  if (std::rename(tmp.data(), path.c_str()) != 0) return io_error("rename into");
  return Status::success();
}

Status convert_to_features_file(const std::string& source, const std::string& dest,
                                const std::map<std::string, std::string>& extra_metadata) {
  Checkpoint ckpt;
  if (Status s = read_checkpoint(source, only_convolutions, &ckpt); !s.ok()) return s;
  ModelReport report;
  if (Status s = verify_checkpoint(source, ckpt, &report); !s.ok()) return s;
  std::map<std::string, std::string> metadata = ckpt.metadata;
  metadata["format"] = "pt";
  const std::size_t slash = source.find_last_of('/');
  metadata["source"] = slash == std::string::npos ? source : source.substr(slash + 1);
  metadata["source_format"] = model_format_name(ckpt.format);
  for (const auto& [k, v] : extra_metadata) metadata[k] = v;
  return write_safetensors_file(dest, ckpt.tensors, metadata);
}

}  // namespace neural_style
