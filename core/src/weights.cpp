#include "weights.h"

#include <algorithm>
#include <memory>

#include "geometry.h"

namespace neural_style {

Status read_weights(const std::string& path, const std::function<bool(const std::string&)>& wanted,
                    WeightsFile* out) {
  Checkpoint ckpt;
  if (Status s = read_checkpoint(path, wanted, &ckpt); !s.ok()) return s;
  WeightsFile result;
  result.format = ckpt.format;
  result.metadata = std::move(ckpt.metadata);
  result.names = std::move(ckpt.names);
  for (auto& [name, t] : ckpt.tensors) {
    // The tensor takes over the parsed values instead of copying them: a full checkpoint's
    // convolutions are 80 MB.
    auto values = std::make_shared<std::vector<float>>(std::move(t.values));
    result.tensors[name] = torch::from_blob(
        values->data(), t.shape, [values](void*) {}, torch::TensorOptions().dtype(torch::kFloat32));
  }
  *out = std::move(result);
  return Status::success();
}

Status count_vgg19_convs(const std::string& path, int* depth) {
  Checkpoint ckpt;
  if (Status s = read_checkpoint(
          path, [](const std::string&) { return false; }, &ckpt);
      !s.ok())
    return s;
  auto has = [&](const std::string& name) {
    return std::find(ckpt.names.begin(), ckpt.names.end(), name) != ckpt.names.end();
  };
  int n = 0;
  for (const ConvSpec& c : vgg19_convs()) {
    if (!has(conv_tensor_name(c, "weight")) || !has(conv_tensor_name(c, "bias"))) break;
    ++n;
  }
  *depth = n;
  return Status::success();
}

Status write_safetensors(const std::string& path,
                         const std::map<std::string, torch::Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata) {
  std::map<std::string, FloatTensor> plain;
  for (const auto& [name, t] : tensors) {
    auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    FloatTensor& f = plain[name];
    f.shape = c.sizes().vec();
    const float* p = c.data_ptr<float>();
    f.values.assign(p, p + c.numel());
  }
  return write_safetensors_file(path, plain, metadata);
}

}  // namespace neural_style
