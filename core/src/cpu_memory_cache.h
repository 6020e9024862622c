// A cache of large CPU buffers for LibTorch's tensors. Each optimisation step allocates the same
// activations and gradients again (tens of MiB each at 512²); the default allocator returns
// them to the system when freed, so every step pays the page faults and the zeroing of fresh
// pages again, which costs several percent of a step (docs/performance.md). With the cache a
// freed buffer is kept and handed to the next request of about its size.
#pragma once

#include <cstddef>

namespace neural_style {

// Makes the cache LibTorch's CPU allocator for the rest of the process (the first call does;
// later calls change nothing). Buffers allocated before keep their own deleter.
void install_cpu_memory_cache();

// Returns the cached buffers that no tensor uses to the system, after a run, so that an idle
// engine holds no more than before; the next run's memory is bounded by its own peak.
void release_cpu_memory_cache();

// Bytes the cache holds that no tensor uses (0 before install_cpu_memory_cache()).
std::size_t cpu_memory_cache_idle_bytes();

// Scope of a run: releases the idle buffers when it ends, however it ends.
class CpuMemoryCacheScope {
 public:
  CpuMemoryCacheScope() = default;
  CpuMemoryCacheScope(const CpuMemoryCacheScope&) = delete;
  CpuMemoryCacheScope& operator=(const CpuMemoryCacheScope&) = delete;
  ~CpuMemoryCacheScope() { release_cpu_memory_cache(); }
};

}  // namespace neural_style
