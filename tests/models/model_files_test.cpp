// Checkpoints in every format (safetensors, PyTorch zip, legacy PyTorch), written by PyTorch
// itself from the same tensors (tools/make_test_checkpoints.py), must read identically and give
// identical losses; damaged ones, in each format, must be refused with one message naming the
// file and the problem. The damaged files are built here byte by byte, so that each test
// controls exactly which field is wrong.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <list>
#include <random>

#include "geometry.h"
#include "neural_style/model_files.h"
#include "neural_style/model_store.h"
#include "neural_style/neural_style.h"
#include "temp_dir.h"
#include "test_images.h"
#include "vgg19.h"
#include "weights.h"

namespace ns = neural_style;

namespace {

using test_files::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const std::string& entry :
       {std::string("vgg19-test.safetensors"), std::string("vgg19-test-fp16.safetensors"),
        std::string("vgg19-test.pth"), std::string("vgg19-test-legacy.pth"),
        std::string("vgg19-test-fp16.pth"), std::string("vgg19-test-wrapped.pth")})
    names.push_back(dir + "/" + entry);
  return names;
}

// The checkpoints PyTorch wrote, generated once for the whole test program.
class Generated {
 public:
  static const Generated& get() {
    static Generated g;
    return g;
  }
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  std::string file(const std::string& name) const { return dir_.file(name); }
  std::vector<std::string> all() const { return files_in(dir_.path()); }

 private:
  Generated() {
    const char* script = std::getenv("NEURAL_STYLE_MAKE_CHECKPOINTS");
    if (!script) {
      why_ = "NEURAL_STYLE_MAKE_CHECKPOINTS is not set (run through meson test)";
      return;
    }
    if (std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null") != 0) {
      why_ = "Debian's python3-torch is not installed (tools/setup.sh installs it)";
      return;
    }
    const std::string cmd =
        std::string("/usr/bin/python3 '") + script + "' '" + dir_.path() + "' --convs 3";
    ok_ = std::system(cmd.c_str()) == 0;
    if (!ok_) why_ = "tools/make_test_checkpoints.py failed";
  }
  TempDir dir_;
  bool ok_ = false;
  std::string why_;
};

#define REQUIRE_GENERATED()                                             \
  do {                                                                  \
    if (!Generated::get().ok()) GTEST_SKIP() << Generated::get().why(); \
  } while (0)

ns::Checkpoint read_all(const std::string& path) {
  ns::Checkpoint c;
  const ns::Status s = ns::read_checkpoint(path, nullptr, &c);
  EXPECT_TRUE(s.ok()) << s.message;
  return c;
}

ns::Params params_for(const std::string& weights) {
  ns::Params p = ns::default_params();
  p.weights_file = weights;
  p.layer_set = ns::LayerSet::Custom;
  p.content_layer = "relu2_1";
  p.style_layers = {{"relu1_1", 0.5}, {"relu2_1", 0.5}};
  p.max_size = 32;
  p.scales = 1;
  p.iterations = 2;
  return p;
}

std::vector<double> losses(const ns::Params& p, ns::Status* status = nullptr) {
  std::vector<double> out;
  ns::Callbacks cb;
  cb.on_progress = [&](const ns::Progress& pr) {
    out.insert(out.end(), {pr.content_loss, pr.style_loss, pr.tv_loss, pr.total_loss});
  };
  ns::Image result;
  const ns::Status s =
      ns::run(test_images::content(32, 32), {test_images::style(32, 32)}, p, cb, &result);
  if (status) *status = s;
  EXPECT_TRUE(s.ok() || status) << s.message;
  return out;
}

// --- Hand-built checkpoints ------------------------------------------------------------------

// Writes pickle opcodes, protocol 2, as torch.save does.
class Pickle {
 public:
  Pickle() { bytes_ += "\x80\x02"; }
  Pickle& op(const std::string& raw) {
    bytes_ += raw;
    return *this;
  }
  Pickle& global(const std::string& module, const std::string& name) {
    return op("c" + module + "\n" + name + "\n");
  }
  Pickle& str(const std::string& s) {
    bytes_ += 'X';
    le(s.size(), 4);
    bytes_ += s;
    return *this;
  }
  Pickle& integer(std::int64_t v) {
    if (v >= 0 && v < (1LL << 31)) {
      bytes_ += 'J';
      le(static_cast<std::uint64_t>(v), 4);
    } else {
      bytes_ += "\x8a\x08";
      le(static_cast<std::uint64_t>(v), 8);
    }
    return *this;
  }
  Pickle& int_tuple(const std::vector<std::int64_t>& v) {
    op("(");
    for (auto x : v) integer(x);
    return op("t");
  }
  std::string done() { return bytes_ + "."; }

 private:
  void le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  std::string bytes_;
};

struct TensorSpec {
  std::string name;
  std::string storage_type = "FloatStorage";
  std::string key;
  std::int64_t declared = 0;  // elements the persistent id declares
  std::int64_t offset = 0;
  std::vector<std::int64_t> shape, stride;
};

struct Storage {
  std::string key;
  std::string bytes;
  std::int64_t count = 0;  // the element count a legacy file writes before the data
};

struct Spec {
  std::vector<TensorSpec> tensors;
  std::vector<Storage> storages;
  std::string pickle_override;  // replaces the state dict's pickle when not empty
};

std::vector<std::int64_t> row_major(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> stride(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;) stride[d - 1] = stride[d] * shape[d];
  return stride;
}

// A narrowed VGG-19 (widths / 8) with one float32 storage per tensor; the engine accepts it.
Spec narrow_spec(int depth = 3) {
  Spec spec;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  int in_c = 3;
  for (int i = 0; i < depth; ++i) {
    const ns::ConvSpec& c = ns::vgg19_convs()[static_cast<std::size_t>(i)];
    const int out_c = c.out_channels / 8;
    for (const char* part : {"weight", "bias"}) {
      TensorSpec t;
      t.name = "features." + std::to_string(c.feature_index) + "." + part;
      t.key = std::to_string(spec.storages.size());
      t.shape = std::string(part) == "weight" ? std::vector<std::int64_t>{out_c, in_c, 3, 3}
                                              : std::vector<std::int64_t>{out_c};
      t.stride = row_major(t.shape);
      t.declared = 1;
      for (auto s : t.shape) t.declared *= s;
      Storage st;
      st.key = t.key;
      st.count = t.declared;
      for (std::int64_t k = 0; k < t.declared; ++k) {
        const float v = normal(rng);
        st.bytes.append(reinterpret_cast<const char*>(&v), 4);
      }
      spec.tensors.push_back(t);
      spec.storages.push_back(st);
    }
    in_c = out_c;
  }
  return spec;
}

std::string state_dict_pickle(const Spec& spec, bool legacy) {
  if (!spec.pickle_override.empty()) return spec.pickle_override;
  Pickle p;
  p.global("collections", "OrderedDict").op(")R").op("(");
  for (const TensorSpec& t : spec.tensors) {
    p.str(t.name).global("torch._utils", "_rebuild_tensor_v2").op("(");
    p.op("(").str("storage").global("torch", t.storage_type).str(t.key).str("cpu");
    p.integer(t.declared);
    if (legacy) p.op("N");
    p.op("tQ");
    p.integer(t.offset).int_tuple(t.shape).int_tuple(t.stride).op("\x89");
    p.global("collections", "OrderedDict").op(")R").op("tR");
  }
  return p.op("u").done();
}

void write_zip(const std::string& path, const Spec& spec, bool with_pickle = true) {
  std::list<std::string> keep;  // libzip reads the buffers at zip_close
  int error = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  ASSERT_NE(z, nullptr);
  auto add = [&](const std::string& name, std::string bytes) {
    keep.push_back(std::move(bytes));
    zip_source_t* src = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
    const zip_int64_t index = zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE);
    ASSERT_GE(index, 0);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  };
  if (with_pickle) add("archive/data.pkl", state_dict_pickle(spec, false));
  for (const Storage& s : spec.storages) add("archive/data/" + s.key, s.bytes);
  add("archive/version", "3\n");
  ASSERT_EQ(zip_close(z), 0);
}

std::string legacy_bytes(const Spec& spec) {
  std::string out("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  out += Pickle().op("M\xe9\x03").done();  // protocol version 1001
  out += Pickle().op("}(").str("little_endian").op("\x88u").done();
  out += state_dict_pickle(spec, true);
  Pickle keys;
  keys.op("](");
  for (const Storage& s : spec.storages) keys.str(s.key);
  out += keys.op("e").done();
  for (const Storage& s : spec.storages) {
    for (int i = 0; i < 8; ++i)
      out += static_cast<char>((static_cast<std::uint64_t>(s.count) >> (8 * i)) & 0xff);
    out += s.bytes;
  }
  return out;
}

void write_legacy(const std::string& path, const Spec& spec) {
  write_bytes(path, legacy_bytes(spec));
}

void set_float(Spec* spec, std::size_t storage, std::size_t index, float v) {
  std::memcpy(&spec->storages[storage].bytes[index * 4], &v, 4);
}

}  // namespace

// --- Files PyTorch wrote ---------------------------------------------------------------------

TEST(ModelFiles, EveryFormatHoldsTheSameTensors) {
  REQUIRE_GENERATED();
  const ns::Checkpoint ref = read_all(Generated::get().file("vgg19-test.safetensors"));
  ASSERT_EQ(ref.tensors.size(), 10u);  // 3 convolutions and 4 classifier tensors
  const std::map<std::string, ns::ModelFormat> expected = {
      {"vgg19-test.safetensors", ns::ModelFormat::Safetensors},
      {"vgg19-test-fp16.safetensors", ns::ModelFormat::Safetensors},
      {"vgg19-test.pth", ns::ModelFormat::TorchZip},
      {"vgg19-test-legacy.pth", ns::ModelFormat::TorchLegacy},
      {"vgg19-test-fp16.pth", ns::ModelFormat::TorchZip},
      {"vgg19-test-wrapped.pth", ns::ModelFormat::TorchZip}};
  for (const auto& [name, format] : expected) {
    const std::string path = Generated::get().file(name);
    EXPECT_EQ(ns::detect_model_format(path), format) << name;
    const ns::Checkpoint c = read_all(path);
    EXPECT_EQ(c.format, format) << name;
    ASSERT_EQ(c.tensors.size(), ref.tensors.size()) << name;
    for (const auto& [tensor, values] : ref.tensors) {
      ASSERT_TRUE(c.tensors.count(tensor)) << name << " lacks " << tensor;
      EXPECT_EQ(c.tensors.at(tensor).shape, values.shape) << name << " " << tensor;
      // Bit for bit: channels-last, transposed and shared-storage tensors included.
      EXPECT_EQ(c.tensors.at(tensor).values, values.values) << name << " " << tensor;
    }
  }
}

TEST(ModelFiles, EveryFormatGivesTheSameLosses) {
  REQUIRE_GENERATED();
  const std::vector<double> ref =
      losses(params_for(Generated::get().file("vgg19-test.safetensors")));
  ASSERT_EQ(ref.size(), 12u);  // iterations 0, 1, 2
  EXPECT_GT(ref[3], 0.0);
  for (const std::string& path : Generated::get().all())
    EXPECT_EQ(losses(params_for(path)), ref) << path;
}

TEST(ModelFiles, FullCheckpointLoadsAndItsClassifierIsSkipped) {
  REQUIRE_GENERATED();
  for (const char* name : {"vgg19-test.pth", "vgg19-test-legacy.pth", "vgg19-test-wrapped.pth"}) {
    const std::string path = Generated::get().file(name);
    ns::ModelReport report;
    const ns::Status s = ns::verify_model(path, &report);
    ASSERT_TRUE(s.ok()) << s.message;
    EXPECT_EQ(report.conv_count, 3) << name;
    EXPECT_EQ(report.file_bytes, read_bytes(path).size());
    EXPECT_EQ(report.skipped,
              (std::vector<std::string>{"classifier.0.weight", "classifier.0.bias",
                                        "classifier.3.weight", "classifier.3.bias"}))
        << name;
    ns::WeightsFile w;
    ASSERT_TRUE(ns::read_weights(
                    path, [](const std::string& n) { return n.rfind("features.", 0) == 0; }, &w)
                    .ok());
    EXPECT_EQ(w.tensors.size(), 6u) << name;
    EXPECT_EQ(w.names.size(), 10u) << name;
    int depth = 0;
    ASSERT_TRUE(ns::count_vgg19_convs(path, &depth).ok());
    EXPECT_EQ(depth, 3) << name;
  }
}

TEST(ModelFiles, ModuleAndStateDictWrappersAreLookedThrough) {
  REQUIRE_GENERATED();
  const ns::Checkpoint c = read_all(Generated::get().file("vgg19-test-wrapped.pth"));
  ASSERT_EQ(c.names.size(), 10u);
  for (const std::string& n : c.names) EXPECT_EQ(n.find("module."), std::string::npos) << n;
  EXPECT_TRUE(c.tensors.count("features.0.weight"));
}

TEST(ModelFiles, ConversionKeepsTheConvolutionsOnly) {
  REQUIRE_GENERATED();
  TempDir dir;
  const std::string dest = dir.file("vgg19.safetensors");
  const ns::Status s = ns::convert_to_features_file(Generated::get().file("vgg19-test-legacy.pth"),
                                                    dest, {{"source_sha256", "00ff"}});
  ASSERT_TRUE(s.ok()) << s.message;
  const ns::Checkpoint out = read_all(dest);
  const ns::Checkpoint ref = read_all(Generated::get().file("vgg19-test.safetensors"));
  EXPECT_EQ(out.format, ns::ModelFormat::Safetensors);
  EXPECT_EQ(out.tensors.size(), 6u);
  for (const auto& [name, t] : out.tensors) EXPECT_EQ(t.values, ref.tensors.at(name).values);
  EXPECT_EQ(out.metadata.at("source"), "vgg19-test-legacy.pth");
  EXPECT_EQ(out.metadata.at("source_format"), "pytorch-legacy");
  EXPECT_EQ(out.metadata.at("source_sha256"), "00ff");
  // Atomic: nothing but the file is left in the folder.
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"vgg19.safetensors"});
}

TEST(ModelFiles, WritingIntoAMissingFolderFailsAndLeavesNothing) {
  TempDir dir;
  ns::FloatTensor t{{2}, {1.0f, 2.0f}};
  const ns::Status s =
      ns::write_safetensors_file(dir.file("no/such/folder/x.safetensors"), {{"t", t}}, {});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message.find("no/such/folder/x.safetensors"), std::string::npos) << s.message;
}

TEST(ModelFiles, InputConventionOptionOverridesTheFile) {
  REQUIRE_GENERATED();
  const std::string path = Generated::get().file("vgg19-test.pth");
  ns::Vgg19 net;
  ASSERT_TRUE(
      ns::Vgg19::from_file(path, 2, torch::kFloat32, ns::Params::InputConvention::Caffe, &net)
          .ok());
  EXPECT_EQ(net.convention(), ns::InputConvention::Caffe);
  ASSERT_TRUE(
      ns::Vgg19::from_file(path, 2, torch::kFloat32, ns::Params::InputConvention::Auto, &net).ok());
  EXPECT_EQ(net.convention(), ns::InputConvention::Torchvision);
  // And the engine feeds what was asked for: raw losses differ between the conventions.
  ns::Params p = params_for(path);
  p.normalize_weights = false;
  const std::vector<double> torchvision = losses(p);
  p.input_convention = ns::Params::InputConvention::Caffe;
  const std::vector<double> caffe = losses(p);
  ASSERT_FALSE(caffe.empty());
  EXPECT_GT(caffe[1] / torchvision[1], 10.0);  // 0-255 input: a far larger style term
}

TEST(ModelFiles, ModelSearchFindsPthAndPrefersSafetensors) {
  REQUIRE_GENERATED();
  TempDir dir;
  const char* old = std::getenv("NEURAL_STYLE_MODELS");
  const std::string saved = old ? old : "";
  setenv("NEURAL_STYLE_MODELS", dir.path().c_str(), 1);
  write_bytes(dir.file("vgg19-dcbb9e9d.pth"), read_bytes(Generated::get().file("vgg19-test.pth")));
  EXPECT_EQ(ns::find_default_weights(), dir.file("vgg19-dcbb9e9d.pth"));
  write_bytes(dir.file("vgg19.safetensors"),
              read_bytes(Generated::get().file("vgg19-test.safetensors")));
  EXPECT_EQ(ns::find_default_weights(), dir.file("vgg19.safetensors"));
  if (old)
    setenv("NEURAL_STYLE_MODELS", saved.c_str(), 1);
  else
    unsetenv("NEURAL_STYLE_MODELS");
}

TEST(ModelFiles, VerifyWantsExactVgg19Shapes) {
  TempDir dir;
  write_zip(dir.file("narrow.pth"), narrow_spec());
  ns::ModelReport report;
  const ns::Status s = ns::verify_model(dir.file("narrow.pth"), &report);
  EXPECT_EQ(s.code, ns::Status::Code::ModelError);
  EXPECT_NE(s.message.find("features.0.weight has shape [8, 3, 3, 3], VGG-19 needs [64, 3, 3, 3]"),
            std::string::npos)
      << s.message;
}

TEST(ModelFiles, VerifyWantsContiguousConvolutions) {
  TempDir dir;
  Spec spec = narrow_spec();
  spec.tensors.erase(spec.tensors.begin() + 2);  // features.2.weight
  spec.storages.erase(spec.storages.begin() + 2);
  write_legacy(dir.file("gap.pth"), spec);
  ns::ModelReport report;
  const ns::Status s = ns::verify_model(dir.file("gap.pth"), &report);
  EXPECT_NE(s.message.find("features.2.weight is missing but deeper convolutions are present"),
            std::string::npos)
      << s.message;
}

// --- Damaged files -------------------------------------------------------------------------

// Each damaged file is refused with ModelError, one line naming the file and the problem, both
// by the parser and by the engine's loader.
class BadCheckpoint : public ::testing::Test {
 protected:
  // `unparsable`: the parser itself refuses the file (not only the checks of a VGG-19).
  void expect_refused(const std::string& path, const std::string& fragment,
                      bool unparsable = true) {
    ns::Checkpoint c;
    const ns::Status read = ns::read_checkpoint(path, nullptr, &c);
    ns::Vgg19 net;
    const ns::Status load = ns::Vgg19::from_file(path, 3, torch::kFloat32, &net);
    ns::ModelReport report;
    const ns::Status verify = ns::verify_model(path, &report);
    std::vector<const ns::Status*> refusals = {&load, &verify};
    if (unparsable) refusals.push_back(&read);
    for (const ns::Status* s : refusals) {
      EXPECT_EQ(s->code, ns::Status::Code::ModelError) << s->message;
      EXPECT_EQ(s->message.rfind(path + ": ", 0), 0u) << s->message;
      EXPECT_EQ(s->message.find('\n'), std::string::npos) << s->message;
    }
    EXPECT_NE(load.message.find(fragment), std::string::npos) << load.message;
    if (unparsable) {
      EXPECT_EQ(read.message, load.message);
    }
  }
  TempDir dir;
};

TEST_F(BadCheckpoint, HandBuiltFilesAreReadable) {
  // The builders below are right when nothing is damaged, so each test's damage is the cause.
  write_zip(dir.file("ok.pth"), narrow_spec());
  write_legacy(dir.file("ok-legacy.pth"), narrow_spec());
  ns::Vgg19 net;
  for (const char* name : {"ok.pth", "ok-legacy.pth"}) {
    const ns::Status s = ns::Vgg19::from_file(dir.file(name), 3, torch::kFloat32, &net);
    EXPECT_TRUE(s.ok()) << s.message;
  }
}

TEST_F(BadCheckpoint, EmptyPth) {
  write_bytes(dir.file("vgg19.pth"), "");
  expect_refused(dir.file("vgg19.pth"), "empty");
}

TEST_F(BadCheckpoint, DirectoryNamedPth) {
  mkdir(dir.file("vgg19.pth").c_str(), 0755);
  expect_refused(dir.file("vgg19.pth"), "not a regular file");
}

TEST_F(BadCheckpoint, RandomBytesNamedPth) {
  std::mt19937 rng(11);
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>(rng() & 0x7f);
  bytes[0] = 'x';
  bytes[8] = 'y';  // neither a pickle nor a safetensors header
  write_bytes(dir.file("vgg19.pth"), bytes);
  expect_refused(dir.file("vgg19.pth"), "not a model file");
}

TEST_F(BadCheckpoint, ZipTruncated) {
  write_zip(dir.file("ok.pth"), narrow_spec());
  const std::string bytes = read_bytes(dir.file("ok.pth"));
  write_bytes(dir.file("cut.pth"), bytes.substr(0, bytes.size() / 2));
  expect_refused(dir.file("cut.pth"), "not a valid zip archive");
}

TEST_F(BadCheckpoint, ZipWithoutStateDict) {
  write_zip(dir.file("plain.pth"), narrow_spec(), /*with_pickle=*/false);
  expect_refused(dir.file("plain.pth"), "no data.pkl");
}

TEST_F(BadCheckpoint, ZipPickleClaimsMoreThanTheStorage) {
  Spec spec = narrow_spec();
  spec.tensors[2].declared *= 4;
  write_zip(dir.file("big.pth"), spec);
  expect_refused(dir.file("big.pth"), "storage 2 has 2304 bytes, its declaration needs 9216");
}

TEST_F(BadCheckpoint, ZipOffsetOutOfRange) {
  Spec spec = narrow_spec();
  spec.tensors[1].offset = 5;  // features.0.bias: 8 elements from element 5
  write_zip(dir.file("offset.pth"), spec);
  expect_refused(dir.file("offset.pth"), "features.0.bias reaches element 12");
}

TEST_F(BadCheckpoint, ZipStorageDeclaredTwiceDifferently) {
  Spec spec = narrow_spec();
  spec.tensors[3].key = spec.tensors[2].key;  // features.2.bias claims features.2.weight's storage
  write_zip(dir.file("twice.pth"), spec);
  expect_refused(dir.file("twice.pth"),
                 "storage 2 is declared twice with different types or sizes");
}

TEST_F(BadCheckpoint, ZipMissingStorage) {
  Spec spec = narrow_spec();
  spec.storages.erase(spec.storages.begin() + 4);
  write_zip(dir.file("missing.pth"), spec);
  expect_refused(dir.file("missing.pth"), "storage 4 is missing from the zip archive");
}

TEST_F(BadCheckpoint, ZipUnknownDtype) {
  Spec spec = narrow_spec();
  spec.tensors[0].storage_type = "LongStorage";
  spec.tensors[0].shape = {108};  // 108 int64 = the 864 bytes of the float storage
  spec.tensors[0].stride = {1};
  spec.tensors[0].declared = 108;
  write_zip(dir.file("long.pth"), spec);
  expect_refused(dir.file("long.pth"), "features.0.weight has unsupported dtype int64");
}

TEST_F(BadCheckpoint, ZipUnsupportedStorageType) {
  Spec spec = narrow_spec();
  spec.tensors[0].storage_type = "ComplexFloatStorage";
  write_zip(dir.file("complex.pth"), spec);
  expect_refused(dir.file("complex.pth"), "forbidden global torch.ComplexFloatStorage");
}

TEST_F(BadCheckpoint, ZipWrongShape) {
  Spec spec = narrow_spec();
  spec.tensors[2].shape = {8, 9, 4, 2};  // features.2.weight, as many elements
  spec.tensors[2].stride = row_major(spec.tensors[2].shape);
  write_zip(dir.file("shape.pth"), spec);
  expect_refused(dir.file("shape.pth"), "features.2.weight has shape", false);
}

TEST_F(BadCheckpoint, ZipMissingTensor) {
  Spec spec = narrow_spec();
  spec.tensors.erase(spec.tensors.begin() + 5);  // features.5.bias
  write_zip(dir.file("missing.pth"), spec);
  expect_refused(dir.file("missing.pth"), "only up to relu1_2", false);
}

TEST_F(BadCheckpoint, ZipNanValues) {
  Spec spec = narrow_spec();
  set_float(&spec, 2, 17, std::nanf(""));
  write_zip(dir.file("nan.pth"), spec);
  expect_refused(dir.file("nan.pth"), "features.2.weight holds NaN or Inf", false);
}

TEST_F(BadCheckpoint, ZipForbiddenGlobal) {
  Spec spec = narrow_spec();
  // What a malicious "checkpoint" does: os.system("touch ...") on load.
  const std::string victim = dir.file("pwned");
  spec.pickle_override =
      Pickle().global("os", "system").op("(").str("touch " + victim).op("tR").done();
  write_zip(dir.file("evil.pth"), spec);
  expect_refused(dir.file("evil.pth"), "forbidden global os.system");
  EXPECT_NE(access(victim.c_str(), F_OK), 0);
}

// The two formats name storages by tuples of different lengths; one in the other's shape is
// refused with the shape the reader expected.
TEST_F(BadCheckpoint, PersistentIdOfTheOtherFormat) {
  Spec zip_with_views = narrow_spec();
  zip_with_views.pickle_override = state_dict_pickle(zip_with_views, /*legacy=*/true);
  write_zip(dir.file("views.pth"), zip_with_views);
  expect_refused(dir.file("views.pth"),
                 "persistent id is not ('storage', type, key, location, size)");
  Spec legacy_without_views = narrow_spec();
  legacy_without_views.pickle_override = state_dict_pickle(legacy_without_views, false);
  write_legacy(dir.file("no-views.pth"), legacy_without_views);
  expect_refused(dir.file("no-views.pth"),
                 "persistent id is not ('storage', type, key, location, size, view)");
}

TEST_F(BadCheckpoint, LegacyTruncatedData) {
  const std::string bytes = legacy_bytes(narrow_spec());
  write_bytes(dir.file("cut.pth"), bytes.substr(0, bytes.size() - 100));
  expect_refused(dir.file("cut.pth"), "file truncated?");
}

TEST_F(BadCheckpoint, LegacyPickleLongerThanTheFile) {
  const std::string bytes = legacy_bytes(narrow_spec());
  write_bytes(dir.file("cut.pth"), bytes.substr(0, 200));
  expect_refused(dir.file("cut.pth"), "pickle truncated");
}

TEST_F(BadCheckpoint, LegacyStorageCountDisagrees) {
  Spec spec = narrow_spec();
  spec.storages[0].count = 1000;
  write_legacy(dir.file("count.pth"), spec);
  expect_refused(dir.file("count.pth"), "storage 0 holds 1000 elements, its declaration says 216");
}

TEST_F(BadCheckpoint, LegacyOffsetOutOfRange) {
  Spec spec = narrow_spec();
  spec.tensors[0].offset = 1LL << 40;
  write_legacy(dir.file("offset.pth"), spec);
  expect_refused(dir.file("offset.pth"), "outside its storage");
}

TEST_F(BadCheckpoint, LegacyImpossibleStrides) {
  Spec spec = narrow_spec();
  spec.tensors[0].stride = {0, 0, 0, 0};  // 216 elements read from one
  write_legacy(dir.file("stride.pth"), spec);
  expect_refused(dir.file("stride.pth"), "uses its storage's elements more than once");
}

TEST_F(BadCheckpoint, LegacyInfValues) {
  Spec spec = narrow_spec();
  set_float(&spec, 4, 3, INFINITY);
  write_legacy(dir.file("inf.pth"), spec);
  expect_refused(dir.file("inf.pth"), "features.5.weight holds NaN or Inf", false);
}

TEST_F(BadCheckpoint, LegacyForbiddenGlobal) {
  Spec spec = narrow_spec();
  spec.pickle_override =
      Pickle().global("builtins", "eval").op("(").str("__import__('os').getcwd()").op("tR").done();
  write_legacy(dir.file("evil.pth"), spec);
  expect_refused(dir.file("evil.pth"), "forbidden global builtins.eval");
}

TEST_F(BadCheckpoint, LegacyUnknownOpcode) {
  Spec spec = narrow_spec();
  spec.pickle_override = Pickle().op("I42\n").done();  // protocol 0's text INT
  write_legacy(dir.file("op.pth"), spec);
  expect_refused(dir.file("op.pth"), "opcode 0x49 ('I')");
}

TEST_F(BadCheckpoint, DeeplyNestedPickle) {
  Spec spec = narrow_spec();
  spec.pickle_override = Pickle().op(std::string(100000, ']')).op(std::string(99999, 'a')).done();
  write_legacy(dir.file("deep.pth"), spec);
  expect_refused(dir.file("deep.pth"), "deeper than");
}

TEST_F(BadCheckpoint, DeeplyNestedMarks) {
  Spec spec = narrow_spec();
  spec.pickle_override = Pickle().op(std::string(100000, '(')).done();
  write_zip(dir.file("marks.pth"), spec);
  expect_refused(dir.file("marks.pth"), "MARKs deeper than");
}

TEST_F(BadCheckpoint, SafetensorsDeeplyNestedHeader) {
  // JSON nested a million levels deep: no stack overflow in the parser or when it is freed.
  const std::size_t depth = 1000000;
  const std::string header =
      "{\"features.0.weight\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  write_bytes(dir.file("deep.safetensors"), bytes + header);
  expect_refused(dir.file("deep.safetensors"), "features.0.weight lacks dtype");
}
