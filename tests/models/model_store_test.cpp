// The model store as a user meets it, without LibTorch: which file a run picks, what the
// bundled network is, and whether its float16 copy is the float32 reference up to rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config.h"
#include "neural_style/model_files.h"
#include "neural_style/model_store.h"
#include "neural_style/vgg19_layout.h"
#include "temp_dir.h"
#include "test_models.h"

namespace ns = neural_style;
namespace fs = std::filesystem;

namespace {

using test_files::TempDir;


std::string bundled_source() {
  return test_models::bundled();
}

// Sets an environment variable for one scope, restoring what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_)
      setenv(name_, old_.c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

void copy(const std::string& from, const std::string& to) {
  fs::create_directories(fs::path(to).parent_path());
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

// A minimal full-depth VGG-19 safetensors file: every convolution with the right shapes.
void write_full_vgg19(const std::string& path) {
  std::map<std::string, ns::FloatTensor> tensors;
  for (const ns::ConvSpec& c : ns::vgg19_convs()) {
    ns::FloatTensor w, b;
    w.shape = {c.out_channels, c.in_channels, 3, 3};
    w.values.assign(static_cast<std::size_t>(c.out_channels) * c.in_channels * 9, 0.01f);
    b.shape = {c.out_channels};
    b.values.assign(static_cast<std::size_t>(c.out_channels), 0.0f);
    tensors[ns::conv_tensor_name(c, "weight")] = std::move(w);
    tensors[ns::conv_tensor_name(c, "bias")] = std::move(b);
  }
  fs::create_directories(fs::path(path).parent_path());
  ASSERT_TRUE(ns::write_safetensors_file(path, tensors, {}).ok());
}

}  // namespace

TEST(BundledModel, IsInTheSourceTreeAndVerifies) {
  const std::string path = bundled_source();
  ASSERT_FALSE(path.empty());
  ASSERT_TRUE(fs::exists(path)) << path;
  EXPECT_TRUE(ns::is_bundled_model(path));
  ns::ModelReport report;
  const ns::Status s = ns::verify_model(path, &report);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(report.conv_count, 8);  // conv1_1 ... conv3_4
  EXPECT_TRUE(report.caffe_convention);
  EXPECT_LT(report.file_bytes, 5u * 1000 * 1000);  // float16: half the float32 file
  std::string detail;
  EXPECT_EQ(ns::check_model_checksum(path, &detail), ns::ChecksumState::Verified) << detail;

  ns::Checkpoint header;
  ASSERT_TRUE(ns::read_checkpoint(
                  path, [](const std::string&) { return false; }, &header)
                  .ok());
  for (const char* key : {"input_convention", "source", "license", "features_sha256"})
    EXPECT_TRUE(header.metadata.count(key)) << key;
  EXPECT_NE(header.metadata["license"].find("CC BY 4.0"), std::string::npos);
  EXPECT_NE(header.metadata["license"].find("MIT"), std::string::npos);
}

TEST(BundledModel, AChangedTensorIsAChecksumMismatch) {
  TempDir dir;
  ns::Checkpoint ckpt;
  ASSERT_TRUE(ns::read_checkpoint(bundled_source(), {}, &ckpt).ok());
  ckpt.tensors["features.16.bias"].values[7] += 0.5f;
  const std::string path = dir.file(ns::kBundledModelFile);
  ASSERT_TRUE(ns::write_safetensors_file(path, ckpt.tensors, ckpt.metadata).ok());
  std::string detail;
  EXPECT_EQ(ns::check_model_checksum(path, &detail), ns::ChecksumState::Mismatch);
  EXPECT_NE(detail.find("features_sha256"), std::string::npos) << detail;
}

TEST(BundledModel, Float16WithinRoundingOfTheReference) {
  const std::string reference = test_models::reference();
  if (reference.empty())
    GTEST_SKIP() << "the float32 reference ../shared/models is not beside the checkout";
  ns::Checkpoint half, full;
  ASSERT_TRUE(ns::read_checkpoint(bundled_source(), {}, &half).ok());
  ASSERT_TRUE(ns::read_checkpoint(reference, {}, &full).ok());
  ASSERT_EQ(half.tensors.size(), full.tensors.size());
  double worst_relative = 0, sum_sq_err = 0, sum_sq = 0;
  for (const auto& [name, f] : full.tensors) {
    const ns::FloatTensor& h = half.tensors.at(name);
    ASSERT_EQ(h.shape, f.shape) << name;
    for (std::size_t i = 0; i < f.values.size(); ++i) {
      const double err = std::abs(double(h.values[i]) - f.values[i]);
      // float16 keeps 11 significant bits: rounding to nearest errs by at most 2^-11 of the
      // value, and by 2^-25 in the subnormal range below 2^-14.
      EXPECT_LE(err, std::abs(f.values[i]) * std::ldexp(1.0, -11) + std::ldexp(1.0, -25))
          << name << "[" << i << "]";
      if (std::abs(f.values[i]) > 1e-3)
        worst_relative = std::max(worst_relative, err / std::abs(f.values[i]));
      sum_sq_err += err * err;
      sum_sq += double(f.values[i]) * f.values[i];
    }
  }
  std::cout << "float16 storage: worst relative error " << worst_relative
            << ", relative RMS error " << std::sqrt(sum_sq_err / sum_sq) << "\n";
  EXPECT_EQ(half.metadata.at("input_convention"), full.metadata.at("input_convention"));
}

TEST(ModelSearch, BundledFileComesAfterAnyOtherVgg19) {
  TempDir dir;
  const std::string first = dir.file("first"), second = dir.file("second");
  copy(bundled_source(), first + "/" + ns::kBundledModelFile);
  fs::create_directories(second);
  const std::string path = first + ":" + second;
  ScopedEnv env("NEURAL_STYLE_MODEL_PATH", path.c_str());
  // Only the bundled file: it is used.
  EXPECT_EQ(ns::find_default_weights(), first + "/" + ns::kBundledModelFile);
  // A full network in a later folder still wins over the bundled file in an earlier one.
  write_full_vgg19(second + "/vgg19.safetensors");
  EXPECT_EQ(ns::find_default_weights(), second + "/vgg19.safetensors");
  EXPECT_EQ(ns::resolve_weights_file(""), second + "/vgg19.safetensors");

  const std::vector<ns::ModelFileEntry> entries = ns::list_model_files();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0].bundled);
  EXPECT_FALSE(entries[0].default_choice);
  EXPECT_EQ(entries[0].conv_count, 8);
  EXPECT_EQ(entries[0].checksum, ns::ChecksumState::Verified);
  EXPECT_FALSE(entries[1].bundled);
  EXPECT_TRUE(entries[1].default_choice);
  EXPECT_EQ(entries[1].conv_count, 16);
}

TEST(ModelSearch, RandomNetworkOnlyWithoutAnyFile) {
  TempDir dir;
  {
    ScopedEnv env("NEURAL_STYLE_MODEL_PATH", dir.path().c_str());
    EXPECT_EQ(ns::find_default_weights(), "");
  }
  {
    ScopedEnv env("NEURAL_STYLE_MODEL_PATH", "");  // no folder at all
    EXPECT_TRUE(ns::model_search_dirs().empty());
    EXPECT_EQ(ns::resolve_weights_file(""), "");
  }
  // A folder named twice, also through another spelling, is searched once.
  {
    const std::string path = dir.path() + ":" + dir.path() + "/:" + dir.path() + "/../" +
                              fs::path(dir.path()).filename().string();
    ScopedEnv env("NEURAL_STYLE_MODEL_PATH", path.c_str());
    EXPECT_EQ(ns::model_search_dirs(), std::vector<std::string>{dir.path()});
  }
  // "random" asks for the random network whatever is installed.
  EXPECT_EQ(ns::resolve_weights_file("random"), "");
  EXPECT_EQ(ns::resolve_weights_file("/some/file.pth"), "/some/file.pth");
}

TEST(ModelSearch, UninstalledBuildFindsTheBundledFileWithAnEmptyHome) {
#ifndef NEURAL_STYLE_SOURCE_MODELS_DIR
  GTEST_SKIP() << "configured with -Dsource_models=false";
#else
  TempDir home;
  ScopedEnv path("NEURAL_STYLE_MODEL_PATH", nullptr);
  ScopedEnv models("NEURAL_STYLE_MODELS", nullptr);
  ScopedEnv xdg("XDG_DATA_HOME", nullptr);
  ScopedEnv h("HOME", home.path().c_str());
  const std::vector<std::string> dirs = ns::model_search_dirs();
  ASSERT_FALSE(dirs.empty());
  EXPECT_EQ(dirs.front(), home.file(".local/share/neural-style/models"));
  EXPECT_EQ(dirs.back(), NEURAL_STYLE_SOURCE_MODELS_DIR);
  // Unless this machine has a VGG-19 installed system-wide, the bundled file is the choice.
  const std::string chosen = ns::find_default_weights();
  EXPECT_FALSE(chosen.empty());
  if (fs::path(chosen).parent_path() == NEURAL_STYLE_SOURCE_MODELS_DIR) {
    EXPECT_TRUE(ns::is_bundled_model(chosen));
  }
  // The user's own full network comes first.
  write_full_vgg19(home.file(".local/share/neural-style/models/vgg19.safetensors"));
  EXPECT_EQ(ns::find_default_weights(), home.file(".local/share/neural-style/models/vgg19.safetensors"));
#endif
}
