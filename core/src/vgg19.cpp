#include "vgg19.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

#include "device.h"
#include "geometry.h"
#include "weights.h"
#include "winograd_conv.h"

namespace neural_style {

namespace F = torch::nn::functional;

namespace {

// The seed of the fallback network; changing it changes every random-weights result.
constexpr std::uint64_t kRandomWeightsSeed = 0x5eed'0019ULL;

// conv2d(x, weight, bias), stride 1 and padding 1: through oneDNN's Winograd kernel when asked
// and where it applies, else LibTorch's own (oneDNN's direct kernels on the CPU).
torch::Tensor conv3x3(const torch::Tensor& x, const torch::Tensor& weight,
                      const torch::Tensor& bias, bool winograd) {
  if (winograd) {
    torch::Tensor y = winograd_conv3x3(x, weight, bias);
    if (y.defined()) return y;
  }
  return F::conv2d(x, weight, F::Conv2dFuncOptions().bias(bias).padding(1));
}

// A 3×3 convolution of stride 1 and padding 1 whose backward pass to its input is a forward
// convolution: the adjoint of such a convolution is the one with the kernels rotated by 180° and
// input and output channels swapped, dx = conv(dy, rot180(W)ᵀ) with the same padding. oneDNN's
// forward kernels beat its backward-data ones on these shapes, and the Winograd kernel exists
// only forward (docs/performance.md). The weights and bias take no gradient: only the image is
// optimised.
struct ConvWithForwardAdjoint : public torch::autograd::Function<ConvWithForwardAdjoint> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               const torch::Tensor& adjoint, bool winograd) {
    ctx->save_for_backward({adjoint});
    ctx->saved_data["winograd"] = winograd;
    return conv3x3(x, weight, bias, winograd);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor adjoint = ctx->get_saved_variables()[0];
    torch::Tensor g = grads[0];
    // The output gradient of the image's own convolution can arrive in either layout.
    if (!g.is_contiguous(torch::MemoryFormat::ChannelsLast) && !g.is_contiguous())
      g = g.contiguous(torch::MemoryFormat::ChannelsLast);
    return {conv3x3(g, adjoint, torch::Tensor(), ctx->saved_data["winograd"].toBool()),
            torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

std::string conv_key(int feature_index, const char* what) {
  return "features." + std::to_string(feature_index) + "." + what;
}

}  // namespace

Vgg19 Vgg19::random(int depth, int width_divisor, const torch::TensorOptions& options) {
  Vgg19 net;
  auto gen = at::detail::createCPUGenerator(kRandomWeightsSeed);
  const auto& convs = vgg19_convs();
  int in_c = 3;
  for (int i = 0; i < depth; ++i) {
    const ConvSpec& c = convs[static_cast<std::size_t>(i)];
    const int out_c = std::max(1, c.out_channels / width_divisor);
    const double std = std::sqrt(2.0 / (in_c * 9.0));
    auto w = at::normal(0.0, std, {out_c, in_c, 3, 3}, gen);
    net.weights_.push_back(w.to(options));
    net.biases_.push_back(torch::zeros({out_c}, options));
    in_c = out_c;
  }
  return net;
}

Status Vgg19::from_file(const std::string& path, int depth, const torch::TensorOptions& options,
                        Vgg19* out) {
  return from_file(path, depth, options, Params::InputConvention::Auto, out);
}

Status Vgg19::from_file(const std::string& path, int depth, const torch::TensorOptions& options,
                        Params::InputConvention convention, Vgg19* out) {
  const auto& convs = vgg19_convs();
  const int wanted_depth = depth > 0 ? depth : static_cast<int>(convs.size());
  auto wanted = [&](const std::string& name) {
    for (int i = 0; i < wanted_depth; ++i) {
      const int idx = convs[static_cast<std::size_t>(i)].feature_index;
      if (name == conv_key(idx, "weight") || name == conv_key(idx, "bias")) return true;
    }
    return false;
  };
  WeightsFile file;
  if (Status s = read_weights(path, wanted, &file); !s.ok()) return s;

  auto fail = [&](const std::string& what) {
    return Status::error(Status::Code::ModelError, path + ": " + what);
  };
  int available = 0;
  while (available < wanted_depth &&
         file.tensors.count(
             conv_key(convs[static_cast<std::size_t>(available)].feature_index, "weight")) &&
         file.tensors.count(
             conv_key(convs[static_cast<std::size_t>(available)].feature_index, "bias")))
    ++available;
  if (depth <= 0) {
    if (available == 0) return fail("holds no VGG-19 convolution (features.0.weight and .bias)");
    depth = available;
  }
  if (available < depth)
    return Status::error(Status::Code::ModelError, too_shallow(path, depth, available));

  Vgg19 net;
  int64_t in_c = 3;
  for (int i = 0; i < depth; ++i) {
    const ConvSpec& c = convs[static_cast<std::size_t>(i)];
    const torch::Tensor& w = file.tensors[conv_key(c.feature_index, "weight")];
    const torch::Tensor& b = file.tensors[conv_key(c.feature_index, "bias")];
    // Exact VGG-19 widths, or a uniformly narrowed variant (tests and benchmarks use those).
    const bool shape_ok = w.dim() == 4 && w.size(1) == in_c && w.size(2) == 3 && w.size(3) == 3 &&
                          w.size(0) >= 1 && w.size(0) <= c.out_channels && b.dim() == 1 &&
                          b.size(0) == w.size(0);
    if (!shape_ok) {
      return fail("tensor " + conv_key(c.feature_index, "weight") + " has shape " +
                  c10::str(w.sizes()) + " (bias " + c10::str(b.sizes()) + "), expected [" +
                  std::to_string(c.out_channels) + ", " + std::to_string(in_c) + ", 3, 3]");
    }
    if (!torch::isfinite(w).all().item<bool>() || !torch::isfinite(b).all().item<bool>())
      return fail("tensor " + conv_key(c.feature_index, "weight") + " holds NaN or Inf values");
    net.weights_.push_back(w.to(options));
    net.biases_.push_back(b.to(options));
    in_c = w.size(0);
  }
  auto conv = file.metadata.find("input_convention");
  const bool caffe_metadata = conv != file.metadata.end() && conv->second.rfind("caffe", 0) == 0;
  if (convention == Params::InputConvention::Caffe ||
      (convention == Params::InputConvention::Auto && caffe_metadata))
    net.convention_ = InputConvention::Caffe;
  *out = std::move(net);
  return Status::success();
}

std::string Vgg19::too_shallow(const std::string& path, int needed, int available) {
  const auto& convs = vgg19_convs();
  const std::string provided =
      available == 0 ? std::string("none") : convs[static_cast<std::size_t>(available - 1)].tap;
  return path + ": this run needs layers up to " +
         std::string(convs[static_cast<std::size_t>(needed - 1)].tap) +
         " but the file provides only up to " + provided +
         " (choose shallower layers, e.g. --style-layers relu1_1,relu2_1,relu3_1)";
}

void Vgg19::set_memory_format(torch::MemoryFormat format) {
  for (auto& w : weights_) w = w.contiguous(format);
  const int adjoints = static_cast<int>(adjoints_.size());
  adjoints_.clear();
  use_forward_adjoints(adjoints);
}

void Vgg19::use_forward_adjoints(int depth) {
  depth = std::clamp(depth, 0, this->depth());
  adjoints_.resize(static_cast<std::size_t>(depth));
  for (std::size_t i = 0; i < adjoints_.size(); ++i) {
    if (adjoints_[i].defined()) continue;
    const torch::Tensor& w = weights_[i];
    const bool nhwc = w.is_contiguous(torch::MemoryFormat::ChannelsLast);
    adjoints_[i] = w.flip({2, 3}).transpose(0, 1).contiguous(
        nhwc ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous);
  }
}

torch::Tensor Vgg19::normalise(const torch::Tensor& image) const {
  auto opts = image.options();
  if (convention_ == InputConvention::Caffe) {
    auto mean = torch::tensor({103.939, 116.779, 123.68}, opts).view({1, 3, 1, 1});
    return image.flip({1}) * 255.0 - mean;
  }
  auto mean = torch::tensor({0.485, 0.456, 0.406}, opts).view({1, 3, 1, 1});
  auto std = torch::tensor({0.229, 0.224, 0.225}, opts).view({1, 3, 1, 1});
  return (image - mean) / std;
}

void Vgg19::for_each_tap(const torch::Tensor& image, const std::vector<int>& taps,
                         const std::function<void(std::size_t, const torch::Tensor&)>& use) const {
  const int deepest = taps.empty() ? -1 : *std::max_element(taps.begin(), taps.end());
  const auto& convs = vgg19_convs();
  torch::Tensor x = normalise(image);
  int block = 1;
  for (int i = 0; i <= deepest; ++i) {
    const ConvSpec& c = convs[static_cast<std::size_t>(i)];
    if (c.block != block) {
      x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2).stride(2));
      block = c.block;
    }
    const auto k = static_cast<std::size_t>(i);
    // The adjoint's backward is exact for float32 on the CPU; under bf16 autocast the forward
    // would run in bf16 and its gradient would not match the float32 adjoint.
    const bool float32_cpu =
        x.scalar_type() == torch::kFloat32 && x.device().is_cpu() && !cpu_autocast_enabled();
    const bool with_grad = x.requires_grad() && torch::GradMode::is_enabled();
    if (with_grad && float32_cpu && k < adjoints_.size())
      x = ConvWithForwardAdjoint::apply(x, weights_[k], biases_[k], adjoints_[k], winograd_);
    else  // Winograd's result has no autograd history: only for passes without gradients
      x = conv3x3(x, weights_[k], biases_[k], winograd_ && float32_cpu && !with_grad);
    // In place: the convolution's backward pass does not need its output.
    x.relu_();
    for (std::size_t k = 0; k < taps.size(); ++k)
      if (taps[k] == i) use(k, x);
  }
}

std::vector<torch::Tensor> Vgg19::forward(const torch::Tensor& image,
                                          const std::vector<int>& taps) const {
  std::vector<torch::Tensor> out(taps.size());
  for_each_tap(image, taps, [&](std::size_t k, const torch::Tensor& a) { out[k] = a; });
  return out;
}

}  // namespace neural_style
