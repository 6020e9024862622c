// SHA-256 of model files and of their tensors (Nettle), and the checksum state `models list`
// reports.
#include <fcntl.h>
#include <nettle/sha2.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "fd.h"
#include "neural_style/model_store.h"
#include "text.h"

namespace neural_style {

namespace fs = std::filesystem;
using models_fd::Fd;
using models_text::is_hex;
using models_text::lower;

namespace {

class Sha256 {
 public:
  Sha256() { sha256_init(&ctx_); }
  void update(const void* data, std::size_t size) {
    if (size > 0) sha256_update(&ctx_, size, static_cast<const std::uint8_t*>(data));
  }
  void update_le64(std::uint64_t v) {
    std::uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
    update(b, sizeof b);
  }
  std::string hex() {
    std::uint8_t md[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx_, sizeof md, md);
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (std::uint8_t byte : md) {
      out += digits[byte >> 4];
      out += digits[byte & 15];
    }
    return out;
  }

 private:
  sha256_ctx ctx_{};
};

// The SHA-256 prefix a torchvision file name carries ("vgg19-dcbb9e9d.pth" → "dcbb9e9d"), or "".
std::string name_hash_prefix(const fs::path& path) {
  const std::string stem = path.stem().string();
  const std::size_t dash = stem.rfind('-');
  if (dash == std::string::npos) return {};
  const std::string tail = stem.substr(dash + 1);
  if (tail.size() < 8 || tail.size() > 64 || !is_hex(tail)) return {};
  return lower(tail);
}

}  // namespace

Status sha256_file(const std::string& path, std::string* hex,
                   const std::function<bool()>& should_cancel) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    return Status::error(Status::Code::ModelError,
                         path + ": cannot open (" + std::strerror(errno) + ")");
  Sha256 sha;
  std::vector<unsigned char> buf(1 << 20);
  for (;;) {
    if (should_cancel && should_cancel())
      return Status::error(Status::Code::Cancelled, "checksum of " + path + " cancelled");
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::error(Status::Code::ModelError,
                           path + ": cannot read (" + std::strerror(errno) + ")");
    }
    if (n == 0) break;
    sha.update(buf.data(), static_cast<std::size_t>(n));
  }
  *hex = sha.hex();
  return Status::success();
}

bool sha256_matches(const std::string& expected, const std::string& actual) {
  return !expected.empty() && actual.size() >= expected.size() &&
         actual.compare(0, expected.size(), expected) == 0;
}

std::string features_sha256(const Checkpoint& checkpoint) {
  Sha256 sha;
  for (const auto& [name, tensor] : checkpoint.tensors) {
    sha.update(name.data(), name.size());
    const unsigned char zero = 0;
    sha.update(&zero, 1);
    sha.update_le64(tensor.shape.size());
    for (std::int64_t d : tensor.shape) sha.update_le64(static_cast<std::uint64_t>(d));
    std::vector<unsigned char> bytes(tensor.values.size() * 4);
    for (std::size_t i = 0; i < tensor.values.size(); ++i) {
      std::uint32_t u;
      std::memcpy(&u, &tensor.values[i], 4);
      for (int k = 0; k < 4; ++k)
        bytes[i * 4 + static_cast<std::size_t>(k)] = static_cast<unsigned char>(u >> (8 * k));
    }
    sha.update(bytes.data(), bytes.size());
  }
  return sha.hex();
}

const char* checksum_state_name(ChecksumState state) {
  switch (state) {
    case ChecksumState::Verified: return "verified";
    case ChecksumState::Mismatch: return "MISMATCH";
    case ChecksumState::Unverified: return "unverified";
    case ChecksumState::Unreadable: return "unreadable";
  }
  return "unverified";
}

ChecksumState check_model_checksum(const std::string& path, std::string* detail) {
  detail->clear();
  const ModelFormat format = detect_model_format(path);
  if (format == ModelFormat::Safetensors) {
    // The header first: files without a recorded digest need no tensor read.
    Checkpoint header;
    const Status st = read_checkpoint(
        path, [](const std::string&) { return false; }, &header);
    if (!st.ok()) {
      *detail = st.message;
      return ChecksumState::Unreadable;
    }
    const auto it = header.metadata.find(kMetaFeaturesSha);
    if (it != header.metadata.end()) {
      Checkpoint full;
      const Status rs = read_checkpoint(path, {}, &full);
      if (!rs.ok()) {
        *detail = rs.message;
        return ChecksumState::Unreadable;
      }
      if (features_sha256(full) == lower(it->second)) return ChecksumState::Verified;
      *detail = path + ": the tensors differ from the features_sha256 recorded in the file";
      return ChecksumState::Mismatch;
    }
  }
  const std::string prefix = name_hash_prefix(path);
  if (prefix.empty()) {
    if (format == ModelFormat::Unknown) {
      *detail = path + ": not a model file of a known format";
      return ChecksumState::Unreadable;
    }
    return ChecksumState::Unverified;
  }
  std::string hex;
  const Status hs = sha256_file(path, &hex);
  if (!hs.ok()) {
    *detail = hs.message;
    return ChecksumState::Unreadable;
  }
  if (sha256_matches(prefix, hex)) return ChecksumState::Verified;
  *detail = path + ": SHA-256 " + hex + " does not start with " + prefix + " from its name";
  return ChecksumState::Mismatch;
}

}  // namespace neural_style
