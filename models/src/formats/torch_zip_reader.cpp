// torch.save since PyTorch 1.6: a zip archive holding <dir>/data.pkl (the pickled state dict,
// its storages as persistent ids) and one entry <dir>/data/<key> per storage, stored raw.
#include "formats/pickle_reader.h"

#ifdef NEURAL_STYLE_HAVE_LIBZIP

#include <zip.h>

#include <memory>

namespace neural_style {
namespace model_files {

namespace {

// data.pkl of a state dict is kilobytes; a compressed one may not inflate beyond this.
constexpr zip_uint64_t kMaxPickleBytes = 64u << 20;

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
struct ZipSourceFree {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};
struct ZipErrorFini {
  void operator()(zip_error_t* e) const { zip_error_fini(e); }
};

std::string zip_message(zip_error_t* error) {
  return zip_error_strerror(error);
}

class Archive {
 public:
  Archive(const std::uint8_t* data, std::size_t size) : size_(size) {
    zip_error_t error;
    zip_error_init(&error);
    std::unique_ptr<zip_error_t, ZipErrorFini> error_guard(&error);
    std::unique_ptr<zip_source_t, ZipSourceFree> source(
        zip_source_buffer_create(data, size, 0, &error));
    if (!source) fail("cannot read the zip archive (" + zip_message(&error) + ")");
    // ZIP_CHECKCONS: refuse archives whose local and central headers disagree.
    zip_.reset(zip_open_from_source(source.get(), ZIP_RDONLY | ZIP_CHECKCONS, &error));
    if (!zip_) fail("not a valid zip archive (" + zip_message(&error) + ")");
    source.release();  // owned by the archive now
  }

  zip_int64_t entries() const { return zip_get_num_entries(zip_.get(), 0); }
  std::string name(zip_int64_t index) const {
    const char* n = zip_get_name(zip_.get(), static_cast<zip_uint64_t>(index), ZIP_FL_ENC_RAW);
    return n ? n : "";
  }
  zip_int64_t locate(const std::string& name) const {
    return zip_name_locate(zip_.get(), name.c_str(), ZIP_FL_ENC_RAW);
  }
  zip_stat_t stat(zip_int64_t index, const std::string& name) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), static_cast<zip_uint64_t>(index), 0, &st) != 0 ||
        !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
      fail("zip entry " + name + " is unreadable (" + zip_strerror(zip_.get()) + ")");
    // A raw entry can be no larger than the archive: checked before its size is allocated.
    if (st.comp_method == ZIP_CM_STORE && st.size > size_)
      fail("zip entry " + name + " claims " + std::to_string(st.size) +
           " bytes, more than the whole file");
    return st;
  }
  std::vector<std::uint8_t> read(zip_int64_t index, const std::string& name,
                                 zip_uint64_t size) const {
    std::unique_ptr<zip_file_t, ZipFileClose> f(
        zip_fopen_index(zip_.get(), static_cast<zip_uint64_t>(index), 0));
    if (!f) fail("cannot open zip entry " + name + " (" + zip_strerror(zip_.get()) + ")");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    zip_uint64_t done = 0;
    while (done < size) {
      const zip_int64_t n = zip_fread(f.get(), bytes.data() + done, size - done);
      if (n < 0) fail("cannot read zip entry " + name + " (" + zip_file_strerror(f.get()) + ")");
      if (n == 0) fail("zip entry " + name + " ends early");
      done += static_cast<zip_uint64_t>(n);
    }
    // Reading to the end makes libzip compare the entry's CRC.
    std::uint8_t extra;
    if (zip_fread(f.get(), &extra, 1) != 0)
      fail("zip entry " + name + " is longer than its recorded size or corrupt");
    return bytes;
  }

 private:
  std::size_t size_;
  std::unique_ptr<zip_t, ZipDiscard> zip_;
};

PickleMachine::Storage zip_persistent_load(const PickleMachine& pickle, int pid) {
  return storage_persistent_id(pickle, pid, 5,
                               "persistent id is not ('storage', type, key, location, size)");
}

}  // namespace

void parse_torch_zip(const std::uint8_t* data, std::size_t size, const Wanted& wanted,
                     Checkpoint* out) {
  Archive zip(data, size);
  // The archive's single top folder is named after the file torch.save wrote; find it from
  // data.pkl.
  std::string prefix;
  zip_int64_t pickle_index = -1;
  for (zip_int64_t i = 0; i < zip.entries(); ++i) {
    const std::string n = zip.name(i);
    const std::string leaf = "/data.pkl";
    if (n.size() > leaf.size() && n.compare(n.size() - leaf.size(), leaf.size(), leaf) == 0 &&
        n.find('/') == n.size() - leaf.size()) {
      if (pickle_index >= 0) fail("the zip archive holds more than one data.pkl");
      pickle_index = i;
      prefix = n.substr(0, n.size() - leaf.size() + 1);
    }
  }
  if (pickle_index < 0) fail("the zip archive holds no data.pkl: not a PyTorch checkpoint");

  if (const zip_int64_t bo = zip.locate(prefix + "byteorder"); bo >= 0) {
    const zip_stat_t st = zip.stat(bo, "byteorder");
    if (st.size > 16) fail("zip entry byteorder is too long");
    const auto order = zip.read(bo, "byteorder", st.size);
    if (std::string(order.begin(), order.end()) != "little")
      fail("the checkpoint is big-endian, which is not supported");
  }

  const zip_stat_t pst = zip.stat(pickle_index, "data.pkl");
  if (pst.size > kMaxPickleBytes)
    fail("data.pkl is " + std::to_string(pst.size) + " bytes, too large for a state dict");
  const std::vector<std::uint8_t> pickle_bytes = zip.read(pickle_index, "data.pkl", pst.size);

  PickleMachine pickle(zip_persistent_load);
  std::size_t pos = 0;
  const int root = pickle.run(pickle_bytes.data(), pickle_bytes.size(), &pos);
  std::map<std::string, StorageDecl> storages;
  const std::vector<PickledTensor> tensors = collect_tensors(pickle, root, &storages);

  // Every storage must be present, raw, and exactly as large as declared: this bounds what is
  // read by the archive's own size.
  std::map<std::string, zip_int64_t> entry_of;
  for (const auto& [key, decl] : storages) {
    const std::string name = prefix + "data/" + key;
    const zip_int64_t index = zip.locate(name);
    if (index < 0) fail("storage " + key + " is missing from the zip archive");
    const zip_stat_t st = zip.stat(index, name);
    if (st.comp_method != ZIP_CM_STORE)
      fail("zip entry " + name + " is compressed; PyTorch stores storages raw");
    const std::uint64_t need =
        checked_mul(decl.elements, static_cast<std::uint64_t>(dtype_bytes(decl.dtype)),
                    "a storage's size overflows");
    if (st.size != need)
      fail("storage " + key + " has " + std::to_string(st.size) + " bytes, its declaration needs " +
           std::to_string(need));
    entry_of[key] = index;
  }

  Checkpoint result;
  result.format = ModelFormat::TorchZip;
  for (const auto& t : tensors) result.names.push_back(t.name);
  // One storage at a time, so that a large checkpoint never has all its raw bytes in memory.
  for (const auto& [key, decl] : storages) {
    std::vector<std::uint8_t> bytes;
    for (const auto& t : tensors) {
      if (t.key != key || (wanted && !wanted(t.name))) continue;
      if (!dtype_is_float(t.view.dtype)) convert_view(t.name, t.view, nullptr);  // throws
      if (bytes.empty() && decl.elements > 0)
        bytes = zip.read(entry_of[key], prefix + "data/" + key,
                         decl.elements * static_cast<std::uint64_t>(dtype_bytes(decl.dtype)));
      result.tensors[t.name] = convert_view(t.name, t.view, bytes.data());
    }
  }
  *out = std::move(result);
}

}  // namespace model_files
}  // namespace neural_style

#else  // no libzip in this build

namespace neural_style {
namespace model_files {

void parse_torch_zip(const std::uint8_t*, std::size_t, const Wanted&, Checkpoint*) {
  fail(
      "this build cannot read PyTorch zip checkpoints (built without libzip); convert the file "
      "to safetensors on a machine with a full build");
}

}  // namespace model_files
}  // namespace neural_style

#endif
