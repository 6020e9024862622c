// Choosing where the engine runs.
#pragma once

#include <torch/torch.h>

#include "neural_style/neural_style.h"

namespace neural_style {

// Resolves Device::Auto and checks CUDA when asked for.
Status select_device(Device wanted, torch::Device* device);

// Sets LibTorch's CPU thread count for work on images of `pixels` pixels: params.threads when
// given, else all cores (LibTorch may start with fewer) -- except for small images, where
// synchronising the threads costs more than it saves (docs/performance.md). Returns the count.
int set_threads_for(const Params& params, long long pixels);

// Bytes free for a run on `device`: MemAvailable for the CPU, the driver's free memory for a GPU
// (0 when it cannot be asked).
std::uint64_t free_memory(const torch::Device& device);

// Whether this CPU computes bf16 natively (AVX512-BF16 or AMX-BF16, from cpuid).
bool cpu_has_bf16();

// The precision a run gets on `device`: the one asked for where the hardware has it, else
// Float32 with a notice in *notice. NEURAL_STYLE_FORCE_BF16=1 grants bf16 on any CPU (oneDNN
// then emulates it, slowly), so that its effect on the loss can be measured anywhere.
Precision effective_precision(Precision wanted, const torch::Device& device, std::string* notice);

// Whether autocast is on for the CPU in this thread (a PrecisionScope for bf16 is alive).
bool cpu_autocast_enabled();

// For its lifetime, runs the network's convolutions in `precision` (autocast to bf16; TF32
// matrix units on CUDA). Float32 does nothing.
class PrecisionScope {
 public:
  PrecisionScope(Precision precision, const torch::Device& device);
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  Precision precision_;
  bool cuda_;
  bool was_enabled_ = false;
  at::ScalarType old_dtype_ = at::kFloat;
  bool old_tf32_cublas_ = false, old_tf32_cudnn_ = false;
};

}  // namespace neural_style
