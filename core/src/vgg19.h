// VGG-19's convolutional part in torchvision's `features` layout, run only as deep as needed.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "neural_style/neural_style.h"

namespace neural_style {

enum class InputConvention {
  Torchvision,  // RGB in [0,1], normalised with ImageNet mean and std
  Caffe,        // BGR in [0,255] minus the ImageNet mean (the original VGG release)
};

class Vgg19 {
 public:
  Vgg19() = default;

  // He-normal weights from a fixed seed: deterministic on every machine, and no download.
  static Vgg19 random(int depth, int width_divisor, const torch::TensorOptions& options);

  // Loads the first `depth` convolutions from a weights file with torchvision names, in any
  // format read_weights() reads; depth 0 loads every leading convolution the file holds. The input
  // convention is `convention`, or with Auto the file's metadata's ("input_convention" starting
  // with "caffe"), else torchvision's.
  static Status from_file(const std::string& path, int depth, const torch::TensorOptions& options,
                          Vgg19* out);
  static Status from_file(const std::string& path, int depth, const torch::TensorOptions& options,
                          Params::InputConvention convention, Vgg19* out);

  // Activations at the given tap indices (indices into vgg19_convs(), any order), computed in
  // one pass up to the deepest of them. `image` is (N, 3, H, W) RGB in [0, 1].
  std::vector<torch::Tensor> forward(const torch::Tensor& image,
                                     const std::vector<int>& taps) const;
  // The same pass, handing each tap's activation to `use` (with its position in `taps`) as soon
  // as it is computed and keeping none: a pass without gradients (the style's Grams) then holds
  // only the two activations around the current convolution, not every tapped one.
  void for_each_tap(const torch::Tensor& image, const std::vector<int>& taps,
                    const std::function<void(std::size_t, const torch::Tensor&)>& use) const;

  int depth() const { return static_cast<int>(weights_.size()); }
  InputConvention convention() const { return convention_; }
  // Stores the weights in `format`; convolutions then produce activations in it as well.
  void set_memory_format(torch::MemoryFormat format);
  // From now on, passes with gradients in float32 on the CPU take the backward pass to the input
  // of each of the first `depth` convolutions as a forward convolution with its adjoint weights
  // (vgg19.cpp), kept beside the weights: as much memory again. Those of deeper convolutions are
  // dropped; 0 goes back to autograd's backward everywhere.
  void use_forward_adjoints(int depth);
  // Float32 convolutions on the CPU through oneDNN's Winograd kernel where it applies
  // (winograd_conv.h), forward and, with the adjoints above, backward.
  void use_winograd(bool on) { winograd_ = on; }
  const std::vector<torch::Tensor>& weights() const { return weights_; }

  // The message for a run that needs `needed` convolutions from a file (`path`) that has
  // `available`: names both layers and the way out.
  static std::string too_shallow(const std::string& path, int needed, int available);

 private:
  torch::Tensor normalise(const torch::Tensor& image) const;

  std::vector<torch::Tensor> weights_;  // OIHW
  std::vector<torch::Tensor> biases_;
  std::vector<torch::Tensor> adjoints_;  // rot180(W) with I and O swapped, for the first convs
  InputConvention convention_ = InputConvention::Torchvision;
  bool winograd_ = false;
};

}  // namespace neural_style
