// Precompiled header for core/src: LibTorch's headers dominate compile time on small machines.
#include <torch/torch.h>
