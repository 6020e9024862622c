#include "winograd_conv.h"

#include <atomic>
#include <unordered_map>

#if NEURAL_STYLE_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace neural_style {

#if NEURAL_STYLE_HAVE_ONEDNN
namespace {

using dnnl::memory;

constexpr std::size_t kExtraCapBytes = std::size_t{256} << 20;

// oneDNN's engine and stream are cheap but not free to create; one per thread that runs
// convolutions (the engine's run thread, the dialog's preview thread). The workspace holds each
// call's blocked input and output and its scratch space: kept from one call to the next, as the
// sizes recur at every step, instead of fresh pages every time (page faults took a fifth of the
// time), and freed at the end of a run (release_winograd_workspace()).
struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  torch::Tensor workspace;
};

Context& context() {
  thread_local Context c;
  return c;
}

constexpr std::size_t kPage = 4096;

std::size_t rounded(std::size_t bytes) {
  return (bytes + kPage - 1) / kPage * kPage;
}

// The workspace, at least `bytes` long.
char* workspace(std::size_t bytes) {
  torch::Tensor& w = context().workspace;
  if (!w.defined() || static_cast<std::size_t>(w.numel()) < bytes) {
    w = torch::Tensor();  // the old one goes first: the two are never held together
    w = torch::empty({static_cast<int64_t>(bytes)}, torch::kUInt8);
  }
  return static_cast<char*>(w.data_ptr());
}

// `user` as the primitive wants `wanted`: itself when the layouts agree, else a reordered copy
// in `storage`.
memory as_wanted(memory user, const memory::desc& wanted, torch::Tensor* storage) {
  if (user.get_desc() == wanted) return user;
  *storage = torch::empty({static_cast<int64_t>(wanted.get_size())}, torch::kUInt8);
  memory m(wanted, context().engine, storage->data_ptr());
  dnnl::reorder(user, m).execute(context().stream, user, m);
  return m;
}

}  // namespace

torch::Tensor winograd_conv3x3(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias) {
  if (x.dim() != 4 || x.size(0) != 1 || weight.dim() != 4 || weight.size(2) != 3 ||
      weight.size(3) != 3 || weight.size(1) != x.size(1) || weight.size(1) < 16 ||
      !x.device().is_cpu() || !weight.device().is_cpu() || x.scalar_type() != torch::kFloat32 ||
      weight.scalar_type() != torch::kFloat32 ||
      (bias.defined() && (bias.scalar_type() != torch::kFloat32 || !bias.is_contiguous())))
    return {};
  static std::atomic<bool> unavailable{false};
  if (unavailable) return {};
  const bool x_nhwc = x.is_contiguous(torch::MemoryFormat::ChannelsLast);
  const bool w_nhwc = weight.is_contiguous(torch::MemoryFormat::ChannelsLast);
  if ((!x_nhwc && !x.is_contiguous()) || (!w_nhwc && !weight.is_contiguous())) return {};
  const int64_t c = x.size(1), h = x.size(2), w = x.size(3), o = weight.size(0);
  const memory::dims src_dims{1, c, h, w}, weight_dims{o, c, 3, 3}, dst_dims{1, o, h, w};
  const auto f32 = memory::data_type::f32;
  const auto any = memory::format_tag::any;
  try {
    Context& ctx = context();
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const memory::desc src_any(src_dims, f32, any), weight_any(weight_dims, f32, any),
        dst_any(dst_dims, f32, any);
    const memory::desc bias_desc =
        bias.defined() ? memory::desc({o}, f32, memory::format_tag::x) : memory::desc();
#if DNNL_VERSION_MAJOR >= 3
    const dnnl::convolution_forward::primitive_desc pd(
        ctx.engine, dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_winograd,
        src_any, weight_any, bias_desc, dst_any, {1, 1}, {1, 1}, {1, 1}, attr);
#else
    const dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_winograd, src_any,
        weight_any, bias_desc, dst_any, {1, 1}, {1, 1}, {1, 1});
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, ctx.engine);
#endif
    // Beside the activations it needs the input and output in its blocked layout and scratch
    // space for the transformed tiles, which for wide layers can be several times the
    // activation's size (1.4 GiB for 128 channels at 800²). Above the cap the direct
    // convolution runs instead, so that memory stays within what the memory model plans for
    // (memory_budget.cpp).
    const memory::desc user_src_desc(src_dims, f32,
                                     x_nhwc ? memory::format_tag::nhwc : memory::format_tag::nchw);
    const memory::desc user_dst_desc(dst_dims, f32, memory::format_tag::nhwc);
    const std::size_t extra = pd.scratchpad_desc().get_size() +
                              (pd.src_desc() == user_src_desc ? 0 : pd.src_desc().get_size()) +
                              (pd.dst_desc() == user_dst_desc ? 0 : pd.dst_desc().get_size());
    if (extra > kExtraCapBytes) return {};
    const bool src_direct = pd.src_desc() == user_src_desc;
    const bool dst_direct = pd.dst_desc() == user_dst_desc;
    const std::size_t scratch_bytes = rounded(pd.scratchpad_desc().get_size());
    const std::size_t src_bytes = src_direct ? 0 : rounded(pd.src_desc().get_size());
    const std::size_t dst_bytes = dst_direct ? 0 : rounded(pd.dst_desc().get_size());
    char* space = workspace(scratch_bytes + src_bytes + dst_bytes);
    memory src_user(user_src_desc, ctx.engine, x.data_ptr());
    memory src = src_direct ? src_user : memory(pd.src_desc(), ctx.engine, space + scratch_bytes);
    if (!src_direct) dnnl::reorder(src_user, src).execute(ctx.stream, src_user, src);
    memory weight_user(memory::desc(weight_dims, f32,
                                    w_nhwc ? memory::format_tag::ohwi : memory::format_tag::oihw),
                       ctx.engine, weight.data_ptr());
    torch::Tensor weight_storage;
    const memory weights = as_wanted(weight_user, pd.weights_desc(), &weight_storage);
    torch::Tensor out =
        torch::empty({1, o, h, w}, x.options().memory_format(torch::MemoryFormat::ChannelsLast));
    memory dst_user(user_dst_desc, ctx.engine, out.data_ptr());
    memory dst = dst_direct ? dst_user
                            : memory(pd.dst_desc(), ctx.engine, space + scratch_bytes + src_bytes);
    const memory scratch(pd.scratchpad_desc(), ctx.engine, space);
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src},
                                            {DNNL_ARG_WEIGHTS, weights},
                                            {DNNL_ARG_DST, dst},
                                            {DNNL_ARG_SCRATCHPAD, scratch}};
    if (bias.defined())
      args.insert({DNNL_ARG_BIAS, memory(bias_desc, ctx.engine, bias.data_ptr())});
    dnnl::convolution_forward(pd).execute(ctx.stream, args);
    if (!dst_direct) dnnl::reorder(dst, dst_user).execute(ctx.stream, dst, dst_user);
    ctx.stream.wait();
    return out;
  } catch (const dnnl::error&) {
    // No Winograd kernel for this CPU or oneDNN version (or shape): the caller's direct
    // convolution, and no more attempts, each of which would throw again.
    unavailable = true;
    return {};
  }
}

void release_winograd_workspace() {
  context().workspace = torch::Tensor();
}

#else

torch::Tensor winograd_conv3x3(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
  return {};
}

void release_winograd_workspace() {}

#endif

}  // namespace neural_style
