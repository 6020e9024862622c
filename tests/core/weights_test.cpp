// Loading safetensors weights, and refusing malformed files with a message instead of a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "geometry.h"
#include "neural_style/neural_style.h"
#include "temp_dir.h"
#include "test_images.h"
#include "vgg19.h"
#include "weights.h"

namespace ns = neural_style;

namespace {

using test_files::TempDir;

// Narrow VGG-19 tensors (width / 8) with torchvision names, up to `depth` convolutions.
std::map<std::string, torch::Tensor> narrow_vgg(int depth, float scale = 1.0f, float bias = 0.01f) {
  ns::Vgg19 net = ns::Vgg19::random(depth, 8, torch::kFloat32);
  std::map<std::string, torch::Tensor> t;
  for (int i = 0; i < depth; ++i) {
    const int idx = ns::vgg19_convs()[static_cast<std::size_t>(i)].feature_index;
    t["features." + std::to_string(idx) + ".weight"] =
        net.weights()[static_cast<std::size_t>(i)] * scale;
    t["features." + std::to_string(idx) + ".bias"] =
        torch::full({net.weights()[static_cast<std::size_t>(i)].size(0)}, bias);
  }
  return t;
}

// Writes a safetensors file by hand, in any dtype, with an optional header override.
void write_raw(const std::string& path, const nlohmann::json& header, const std::string& data) {
  const std::string text = header.dump();
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << text << data;
}

// Converts tensors to `dtype` ("F16", "BF16", "F32") and writes them with write_raw.
void write_typed(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                 const std::string& dtype) {
  const auto type = dtype == "F16"    ? torch::kFloat16
                    : dtype == "BF16" ? torch::kBFloat16
                                      : torch::kFloat32;
  nlohmann::json header;
  std::string data;
  for (const auto& [name, t] : tensors) {
    auto c = t.to(type).contiguous();
    const std::size_t bytes = static_cast<std::size_t>(c.numel() * c.element_size());
    header[name] = {{"dtype", dtype},
                    {"shape", c.sizes().vec()},
                    {"data_offsets", {data.size(), data.size() + bytes}}};
    data.append(static_cast<const char*>(c.data_ptr()), bytes);
  }
  write_raw(path, header, data);
}

ns::Params params_for(const std::string& weights) {
  ns::Params p = ns::default_params();
  p.weights_file = weights;
  p.layer_set = ns::LayerSet::Custom;
  p.content_layer = "relu2_1";
  p.style_layers = {{"relu1_1", 0.5}, {"relu2_1", 0.5}};
  p.max_size = 32;
  p.scales = 1;
  p.iterations = 3;
  p.threads = 0;  // automatic: one thread for these small images
  return p;
}

double final_loss(const ns::Params& p, ns::Status* status = nullptr) {
  double last = -1;
  ns::Callbacks cb;
  cb.on_progress = [&](const ns::Progress& pr) { last = pr.total_loss; };
  ns::Image result;
  ns::Status s =
      ns::run(test_images::content(32, 32), {test_images::style(32, 32)}, p, cb, &result);
  if (status) *status = s;
  EXPECT_TRUE(s.ok() || status) << s.message;
  return last;
}

ns::Status load(const std::string& path, int depth = 3) {
  ns::Vgg19 net;
  return ns::Vgg19::from_file(path, depth, torch::kFloat32, &net);
}

}  // namespace

TEST(Weights, GeneratedFileRoundTrips) {
  TempDir dir;
  auto tensors = narrow_vgg(3);
  ASSERT_TRUE(ns::write_safetensors(dir.file("w.safetensors"), tensors, {{"format", "test"}}).ok());
  ns::WeightsFile file;
  ASSERT_TRUE(ns::read_weights(
                  dir.file("w.safetensors"), [](const std::string&) { return true; }, &file)
                  .ok());
  EXPECT_EQ(file.metadata["format"], "test");
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) EXPECT_TRUE(torch::equal(file.tensors[name], t)) << name;
}

TEST(Weights, F32F16AndBF16GiveTheSameLossesAsTheirValues) {
  TempDir dir;
  auto tensors = narrow_vgg(3);
  // Values representable in BF16 (and so in F16 and F32): the three files hold the same numbers.
  for (auto& [name, t] : tensors) t = t.to(torch::kBFloat16).to(torch::kFloat32);
  write_typed(dir.file("f32.safetensors"), tensors, "F32");
  write_typed(dir.file("f16.safetensors"), tensors, "F16");
  write_typed(dir.file("bf16.safetensors"), tensors, "BF16");
  const double l32 = final_loss(params_for(dir.file("f32.safetensors")));
  const double l16 = final_loss(params_for(dir.file("f16.safetensors")));
  const double lbf = final_loss(params_for(dir.file("bf16.safetensors")));
  EXPECT_GT(l32, 0);
  EXPECT_DOUBLE_EQ(l32, l16);
  EXPECT_DOUBLE_EQ(l32, lbf);
}

TEST(Weights, ExtraTensorsSuchAsTheClassifierAreSkipped) {
  TempDir dir;
  auto tensors = narrow_vgg(3);
  tensors["classifier.0.weight"] = torch::rand({16, 8});
  tensors["classifier.0.bias"] = torch::rand({16});
  ASSERT_TRUE(ns::write_safetensors(dir.file("full.safetensors"), tensors, {}).ok());
  EXPECT_TRUE(load(dir.file("full.safetensors")).ok());
}

TEST(Weights, CaffeConventionComesFromMetadata) {
  TempDir dir;
  ASSERT_TRUE(ns::write_safetensors(dir.file("caffe.safetensors"), narrow_vgg(3),
                                    {{"input_convention", "caffe: BGR, 0-255, minus mean"}})
                  .ok());
  ns::Vgg19 net;
  ASSERT_TRUE(ns::Vgg19::from_file(dir.file("caffe.safetensors"), 3, torch::kFloat32, &net).ok());
  EXPECT_EQ(net.convention(), ns::InputConvention::Caffe);
}

TEST(Weights, PartialFileNamesTheLayersItLacks) {
  TempDir dir;
  ASSERT_TRUE(ns::write_safetensors(dir.file("shallow.safetensors"), narrow_vgg(3), {}).ok());
  ns::Params p = params_for(dir.file("shallow.safetensors"));
  p.content_layer = "relu4_2";
  ns::Status s;
  final_loss(p, &s);
  EXPECT_EQ(s.code, ns::Status::Code::ModelError);
  EXPECT_NE(s.message.find("relu4_2"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("relu2_1"), std::string::npos) << s.message;
}

TEST(Weights, OverflowingWeightsStopWithANumericError) {
  TempDir dir;
  ASSERT_TRUE(ns::write_safetensors(dir.file("huge.safetensors"), narrow_vgg(3, 1e30f), {}).ok());
  ns::Status s;
  final_loss(params_for(dir.file("huge.safetensors")), &s);
  EXPECT_EQ(s.code, ns::Status::Code::NumericError) << s.message;
}

// Every malformed file gives ModelError naming the file; none may crash the process.
class MalformedWeights : public ::testing::Test {
 protected:
  void expect_refused(const std::string& path, const std::string& fragment) {
    const ns::Status s = load(path);
    EXPECT_EQ(s.code, ns::Status::Code::ModelError) << s.message;
    EXPECT_NE(s.message.find(path), std::string::npos) << s.message;
    EXPECT_NE(s.message.find(fragment), std::string::npos) << s.message;
  }
  TempDir dir;
};

TEST_F(MalformedWeights, EmptyFile) {
  std::ofstream(dir.file("empty.safetensors")).close();
  expect_refused(dir.file("empty.safetensors"), "too short");
}

TEST_F(MalformedWeights, Directory) {
  expect_refused(dir.path(), "not a regular file");
}

TEST_F(MalformedWeights, Missing) {
  expect_refused(dir.file("missing.safetensors"), "cannot open");
}

TEST_F(MalformedWeights, TruncatedData) {
  ASSERT_TRUE(ns::write_safetensors(dir.file("w.safetensors"), narrow_vgg(3), {}).ok());
  std::string bytes;
  {
    std::ifstream in(dir.file("w.safetensors"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(dir.file("cut.safetensors"), std::ios::binary)
      << bytes.substr(0, bytes.size() - 100);
  expect_refused(dir.file("cut.safetensors"), "outside the file");
}

TEST_F(MalformedWeights, HeaderLongerThanFile) {
  std::ofstream out(dir.file("h.safetensors"), std::ios::binary);
  const char len[8] = {static_cast<char>(0xff), static_cast<char>(0xff), 0, 0, 0, 0, 0, 0};
  out.write(len, 8);
  out << "{}";
  out.close();
  expect_refused(dir.file("h.safetensors"), "header length");
}

TEST_F(MalformedWeights, HeaderNotJson) {
  write_raw(dir.file("j.safetensors"), nlohmann::json::array(), "");
  expect_refused(dir.file("j.safetensors"), "JSON object");
}

TEST_F(MalformedWeights, OverlappingOffsets) {
  auto t = narrow_vgg(1);
  nlohmann::json h;
  const auto wbytes = t["features.0.weight"].numel() * 4;
  h["features.0.weight"] = {{"dtype", "F32"},
                            {"shape", t["features.0.weight"].sizes().vec()},
                            {"data_offsets", {0, wbytes}}};
  h["features.0.bias"] = {{"dtype", "F32"},
                          {"shape", {t["features.0.bias"].numel()}},
                          {"data_offsets", {4, 4 + t["features.0.bias"].numel() * 4}}};
  write_raw(dir.file("o.safetensors"), h, std::string(static_cast<std::size_t>(wbytes), '\0'));
  expect_refused(dir.file("o.safetensors"), "overlap");
}

TEST_F(MalformedWeights, UnknownDtype) {
  nlohmann::json h;
  h["features.0.weight"] = {
      {"dtype", "I64"}, {"shape", {8, 3, 3, 3}}, {"data_offsets", {0, 8 * 27 * 8}}};
  write_raw(dir.file("d.safetensors"), h, std::string(8 * 27 * 8, '\0'));
  expect_refused(dir.file("d.safetensors"), "unsupported dtype I64");
}

TEST_F(MalformedWeights, SizeDisagreesWithShape) {
  nlohmann::json h;
  h["features.0.weight"] = {{"dtype", "F32"}, {"shape", {8, 3, 3, 3}}, {"data_offsets", {0, 100}}};
  write_raw(dir.file("s.safetensors"), h, std::string(100, '\0'));
  expect_refused(dir.file("s.safetensors"), "shape needs");
}

TEST_F(MalformedWeights, WrongShape) {
  auto t = narrow_vgg(3);
  t["features.2.weight"] = torch::zeros({8, 5, 3, 3});
  ASSERT_TRUE(ns::write_safetensors(dir.file("w.safetensors"), t, {}).ok());
  expect_refused(dir.file("w.safetensors"), "features.2.weight has shape");
}

TEST_F(MalformedWeights, MissingTensor) {
  auto t = narrow_vgg(3);
  t.erase("features.5.bias");
  ASSERT_TRUE(ns::write_safetensors(dir.file("w.safetensors"), t, {}).ok());
  expect_refused(dir.file("w.safetensors"), "only up to relu1_2");
}

TEST_F(MalformedWeights, NanValues) {
  auto t = narrow_vgg(3);
  t["features.2.weight"][0][0][0][0] = std::nanf("");
  ASSERT_TRUE(ns::write_safetensors(dir.file("w.safetensors"), t, {}).ok());
  expect_refused(dir.file("w.safetensors"), "NaN or Inf");
}

TEST_F(MalformedWeights, RandomBytes) {
  std::ofstream out(dir.file("vgg19.pth"), std::ios::binary);
  std::mt19937 rng(5);
  for (int i = 0; i < 4096; ++i) out.put(static_cast<char>(rng()));
  out.close();
  const ns::Status s = load(dir.file("vgg19.pth"));
  EXPECT_EQ(s.code, ns::Status::Code::ModelError);
}

TEST_F(MalformedWeights, ImpossibleShape) {
  nlohmann::json h;
  h["features.0.weight"] = {
      {"dtype", "F32"}, {"shape", {1ULL << 40, 1ULL << 40, 3, 3}}, {"data_offsets", {0, 16}}};
  write_raw(dir.file("i.safetensors"), h, std::string(16, '\0'));
  expect_refused(dir.file("i.safetensors"), "impossible shape");
}

// With zero biases, scaling the first convolution by k scales every activation by k, as a
// network trained on 0-255 input would. Normalised weights must not notice; raw ones do.
TEST(Weights, NormalisedWeightsIgnoreTheNetworksActivationScale) {
  TempDir dir;
  auto plain = narrow_vgg(3, 1.0f, 0.0f);
  auto scaled = plain;
  scaled["features.0.weight"] = plain["features.0.weight"] * 100.0f;
  ASSERT_TRUE(ns::write_safetensors(dir.file("plain.safetensors"), plain, {}).ok());
  ASSERT_TRUE(ns::write_safetensors(dir.file("scaled.safetensors"), scaled, {}).ok());
  auto run = [&](const std::string& file, bool normalize, double* first_total) {
    ns::Params p = params_for(dir.file(file));
    p.normalize_weights = normalize;
    p.iterations = 8;
    ns::Callbacks cb;
    cb.on_progress = [&](const ns::Progress& pr) {
      if (pr.iteration == 0) *first_total = pr.total_loss;
    };
    ns::Image out;
    EXPECT_TRUE(
        ns::run(test_images::content(32, 32), {test_images::style(32, 32)}, p, cb, &out).ok());
    return out;
  };
  double plain_norm = 0, scaled_norm = 0, plain_raw = 0, scaled_raw = 0;
  const ns::Image a = run("plain.safetensors", true, &plain_norm);
  const ns::Image b = run("scaled.safetensors", true, &scaled_norm);
  EXPECT_NEAR(scaled_norm / plain_norm, 1.0, 1e-3);
  EXPECT_GT(test_images::psnr(a, b), 45.0);
  run("plain.safetensors", false, &plain_raw);
  run("scaled.safetensors", false, &scaled_raw);
  // Raw: the content term grows with k², the style term with k⁴.
  EXPECT_GT(scaled_raw / plain_raw, 1e3);
}

TEST(Weights, AutoLayerSetFallsBackToShallowWithANotice) {
  TempDir dir;
  ASSERT_TRUE(ns::write_safetensors(dir.file("conv3.safetensors"), narrow_vgg(8), {}).ok());
  ns::Params p = params_for(dir.file("conv3.safetensors"));
  p.layer_set = ns::LayerSet::Auto;
  std::vector<std::string> warnings;
  std::size_t style_layers = 0;
  ns::Callbacks cb;
  cb.on_warning = [&](const std::string& w) { warnings.push_back(w); };
  cb.on_progress = [&](const ns::Progress& pr) {
    style_layers = pr.effective_style_weights.size();
  };
  ns::Image out;
  const ns::Status s =
      ns::run(test_images::content(32, 32), {test_images::style(32, 32)}, p, cb, &out);
  ASSERT_TRUE(s.ok()) << s.message;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("shallow"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("relu3_4"), std::string::npos) << warnings[0];
  EXPECT_EQ(style_layers, 3u);
}

TEST(Weights, DeepSetOnAShallowFileNamesBothLayers) {
  TempDir dir;
  ASSERT_TRUE(ns::write_safetensors(dir.file("conv3.safetensors"), narrow_vgg(8), {}).ok());
  ns::Params p = params_for(dir.file("conv3.safetensors"));
  p.layer_set = ns::LayerSet::Deep;
  ns::Status s;
  final_loss(p, &s);
  EXPECT_EQ(s.code, ns::Status::Code::ModelError);
  EXPECT_NE(s.message.find("up to relu5_1"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("only up to relu3_4"), std::string::npos) << s.message;
}

TEST(Weights, AutoOnAFileTooShallowForEitherSetIsAnError) {
  TempDir dir;
  ASSERT_TRUE(ns::write_safetensors(dir.file("conv2.safetensors"), narrow_vgg(4), {}).ok());
  ns::Params p = params_for(dir.file("conv2.safetensors"));
  p.layer_set = ns::LayerSet::Auto;
  ns::Status s;
  final_loss(p, &s);
  EXPECT_EQ(s.code, ns::Status::Code::ModelError);
  EXPECT_NE(s.message.find("relu3_2"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("relu2_2"), std::string::npos) << s.message;
}

// An engine reads its weights file once, when it is created: removed afterwards, the file is not
// missed, and every image it stylises gives what a one-off run gives.
TEST(Weights, AnEngineReadsItsFileOnceAndStylisesManyImages) {
  TempDir dir;
  const std::string path = dir.file("conv3.safetensors");
  ASSERT_TRUE(ns::write_safetensors(path, narrow_vgg(8), {}).ok());
  const ns::Params p = params_for(path);
  const ns::Image content = test_images::content(32, 32);
  const std::vector<ns::Image> styles = {test_images::style(32, 32)};
  ns::Image once;
  ASSERT_TRUE(ns::run(content, styles, p, {}, &once).ok());

  ns::EngineHandle engine;
  ASSERT_TRUE(ns::create_engine(ns::engine_config(p), &engine).ok());
  ASSERT_TRUE(std::filesystem::remove(path));
  for (int i = 0; i < 2; ++i) {
    ns::Image result;
    ns::RunInfo info;
    const ns::Status s = ns::stylize(*engine, content, styles, p, {}, &result, &info);
    ASSERT_TRUE(s.ok()) << s.message;
    EXPECT_EQ(info.network_loads, 1);
    EXPECT_EQ(info.weights, path);
    EXPECT_EQ(result.rgb, once.rgb) << "stylisation " << i;
  }
  // Parameters for another network are refused rather than painted with this one.
  ns::Params other = p;
  other.weights_file.clear();
  ns::Image result;
  EXPECT_EQ(ns::stylize(*engine, content, styles, other, {}, &result).code,
            ns::Status::Code::InvalidArgument);
  EXPECT_TRUE(result.empty());
}
