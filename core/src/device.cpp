#include "device.h"

#include <ATen/autocast_mode.h>
#include <dlfcn.h>
#include <torch/version.h>

#include <cstdlib>
#include <thread>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "config.h"
#include "memory_budget.h"

namespace neural_style {

bool cuda_available() {
  return torch::cuda::is_available();
}

std::string version_string() {
  std::string v = std::string("neural-style ") + NEURAL_STYLE_VERSION + " (LibTorch " +
                  TORCH_VERSION + (torch::cuda::is_available() ? ", CUDA available" : ", CPU") +
                  ")";
  return v;
}

Status select_device(Device wanted, torch::Device* device) {
  const bool cuda = torch::cuda::is_available();
  switch (wanted) {
    case Device::CUDA:
      if (!cuda)
        return Status::error(Status::Code::DeviceError,
                             "CUDA was asked for but this LibTorch has no usable GPU; use the CPU");
      *device = torch::Device(torch::kCUDA, 0);
      break;
    case Device::Auto:
      *device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
      break;
    case Device::CPU: *device = torch::Device(torch::kCPU); break;
  }
  return Status::success();
}

int set_threads_for(const Params& params, long long pixels) {
  // Measured on 2 cores: one thread is 2.7x faster at 32x32, as fast at 128x128, and 1.4x
  // slower at 256x256.
  constexpr long long kSmallImagePixels = 128 * 128;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int n = params.threads > 0 ? params.threads : (pixels < kSmallImagePixels ? 1 : cores);
  if (at::get_num_threads() != n) at::set_num_threads(n);
  return n;
}

std::uint64_t free_memory(const torch::Device& device) {
  if (!device.is_cuda()) return available_host_memory();
  // The CUDA runtime is loaded by a CUDA LibTorch (never by the CPU build this compiles against
  // on Debian), so it is looked up at run time rather than linked.
  using MemGetInfo = int (*)(std::size_t*, std::size_t*);
  auto fn = reinterpret_cast<MemGetInfo>(dlsym(RTLD_DEFAULT, "cudaMemGetInfo"));
  if (!fn) {
    for (const char* lib : {"libcudart.so", "libcudart.so.12", "libcudart.so.11.0"}) {
      if (void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD)) {
        fn = reinterpret_cast<MemGetInfo>(dlsym(h, "cudaMemGetInfo"));
        if (fn) break;
      }
    }
  }
  std::size_t free = 0, total = 0;
  if (fn && fn(&free, &total) == 0) return free;
  return 0;
}

bool cpu_has_bf16() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  // Leaf 7 subleaf 1, EAX bit 5: AVX512_BF16. Leaf 7 subleaf 0, EDX bit 22: AMX-BF16.
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5))) return true;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (d & (1u << 22))) return true;
#endif
  return false;
}

Precision effective_precision(Precision wanted, const torch::Device& device, std::string* notice) {
  if (wanted == Precision::Float32) return wanted;
  if (device.is_cuda()) return wanted;  // bf16 autocast and TF32 both exist on CUDA
  if (wanted == Precision::TF32) {
    if (notice) *notice = "TF32 exists only on NVIDIA GPUs: computing in fp32 on the CPU";
    return Precision::Float32;
  }
  const char* force = std::getenv("NEURAL_STYLE_FORCE_BF16");
  if (cpu_has_bf16() || (force && std::string(force) == "1")) return wanted;
  if (notice)
    *notice = "this CPU has no bf16 instructions (AVX512-BF16 or AMX): computing in fp32 instead";
  return Precision::Float32;
}

namespace {

// LibTorch 2.4 replaced the per-device autocast switches by calls that take the device type and
// deprecated the old ones (an error under -Werror with the Debian 13 root's LibTorch 2.6).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocast_enabled(bool cuda) {
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
}
at::ScalarType autocast_dtype(bool cuda) {
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
}
void set_autocast(bool cuda, bool enabled, at::ScalarType dtype) {
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, dtype);
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, enabled);
}
#else
bool autocast_enabled(bool cuda) {
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
at::ScalarType autocast_dtype(bool cuda) {
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void set_autocast(bool cuda, bool enabled, at::ScalarType dtype) {
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(enabled);
  }
}
#endif

}  // namespace

bool cpu_autocast_enabled() {
  return autocast_enabled(false);
}

PrecisionScope::PrecisionScope(Precision precision, const torch::Device& device)
    : precision_(precision), cuda_(device.is_cuda()) {
  if (precision_ == Precision::BFloat16) {
    was_enabled_ = autocast_enabled(cuda_);
    old_dtype_ = autocast_dtype(cuda_);
    set_autocast(cuda_, true, at::kBFloat16);
  } else if (precision_ == Precision::TF32 && cuda_) {
    auto& ctx = at::globalContext();
    old_tf32_cublas_ = ctx.allowTF32CuBLAS();
    old_tf32_cudnn_ = ctx.allowTF32CuDNN();
    ctx.setAllowTF32CuBLAS(true);
    ctx.setAllowTF32CuDNN(true);
  }
}

PrecisionScope::~PrecisionScope() {
  if (precision_ == Precision::BFloat16) {
    // Casts of the weights are cached while autocast is on; drop them with the scope.
    at::autocast::clear_cache();
    set_autocast(cuda_, was_enabled_, old_dtype_);
  } else if (precision_ == Precision::TF32 && cuda_) {
    auto& ctx = at::globalContext();
    ctx.setAllowTF32CuBLAS(old_tf32_cublas_);
    ctx.setAllowTF32CuDNN(old_tf32_cudnn_);
  }
}

}  // namespace neural_style
