#include "matmul.h"

#if NEURAL_STYLE_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

namespace neural_style {

namespace {

#if NEURAL_STYLE_HAVE_ONEDNN
// A 2-D tensor as a row-major BLAS operand: 'N' with its row stride when rows are dense, 'T'
// with its column stride when columns are (the transpose of a row-major matrix).
struct Operand {
  char trans = 0;  // 0: neither layout
  int64_t ld = 0;
};

Operand as_operand(const torch::Tensor& t) {
  const int64_t rows = t.size(0), cols = t.size(1);
  if (t.stride(1) == 1 && t.stride(0) >= std::max<int64_t>(cols, 1)) return {'N', t.stride(0)};
  if (t.stride(0) == 1 && t.stride(1) >= std::max<int64_t>(rows, 1)) return {'T', t.stride(1)};
  return {};
}
#endif

}  // namespace

bool onednn_matmul_built() {
#if NEURAL_STYLE_HAVE_ONEDNN
  return true;
#else
  return false;
#endif
}

torch::Tensor matmul(const torch::Tensor& a, const torch::Tensor& b, bool onednn) {
#if NEURAL_STYLE_HAVE_ONEDNN
  if (onednn && a.dim() == 2 && b.dim() == 2 && a.device().is_cpu() && b.device().is_cpu() &&
      a.scalar_type() == torch::kFloat32 && b.scalar_type() == torch::kFloat32 &&
      a.size(1) == b.size(0) && a.numel() > 0 && b.numel() > 0) {
    const Operand oa = as_operand(a), ob = as_operand(b);
    if (oa.trans != 0 && ob.trans != 0) {
      const int64_t m = a.size(0), n = b.size(1), k = a.size(1);
      torch::Tensor c = torch::empty({m, n}, a.options());
      if (dnnl_sgemm(oa.trans, ob.trans, m, n, k, 1.0f, a.data_ptr<float>(), oa.ld,
                     b.data_ptr<float>(), ob.ld, 0.0f, c.data_ptr<float>(),
                     std::max<int64_t>(n, 1)) == dnnl_success)
        return c;
    }
  }
#else
  (void)onednn;
#endif
  return torch::mm(a, b);
}

}  // namespace neural_style
