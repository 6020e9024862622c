#include "parameters.h"

#include <glib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "i18n.h"
#include "text_format.h"

namespace neural_style::plugin {
namespace {

std::vector<ParamSpec> build_table() {
  const neural_style::Params d = neural_style::default_params();
  const neural_style::Limits l = neural_style::limits();
  std::vector<ParamSpec> t(kParamCount);

  auto row = [&t](ParamId id, const char* name, ParamType type) -> ParamSpec& {
    ParamSpec& s = t[id];
    s.id = id;
    s.name = name;
    s.type = type;
    return s;
  };

  // The loss weights: 0 … weight_max on a logarithmic slider that spans two decades above the
  // default (the spin button still takes the full range): the useful weights differ by orders
  // of magnitude between the three terms.
  auto weight_row = [&](ParamId id, const char* name, double def, int digits) -> ParamSpec& {
    ParamSpec& s = row(id, name, ParamType::Float);
    s.min = 0;
    s.max = l.weight_max;
    s.default_number = def;
    s.digits = digits;
    s.logarithmic = true;
    s.soft_min = 0;
    s.soft_max = std::min(s.max, (def > 0 ? def : 1.0) * 100);
    return s;
  };

  // Choice rows take the values 0 … n-1, one for each label.
  auto choice_row = [&](ParamId id, const char* name, int def,
                        std::vector<const char*> choices) -> ParamSpec& {
    ParamSpec& s = row(id, name, ParamType::Choice);
    s.min = 0;
    s.max = static_cast<double>(choices.size() - 1);
    s.default_number = def;
    s.choices = std::move(choices);
    return s;
  };

  {
    ParamSpec& s = row(kStyleFile, "style-file", ParamType::String);
    s.label = N_("_Style image");
    s.tooltip =
        N_("The picture whose brush strokes, colours and textures are transferred "
           "onto the layer. Any file GIMP can open.");
  }
  {
    ParamSpec& s = weight_row(kContentWeight, "content-weight", d.content_weight, 3);
    s.label = N_("Co_ntent weight");
    s.tooltip =
        N_("How strongly the result keeps the shapes of the layer. Raise it when the "
           "subject dissolves into the style.");
  }
  {
    ParamSpec& s = weight_row(kStyleWeight, "style-weight", d.style_weight, 1);
    s.label = N_("St_yle weight");
    s.tooltip =
        N_("How strongly the result takes on the style image's textures and colours. "
           "Only its ratio to the content weight matters.");
  }
  {
    ParamSpec& s = weight_row(kTvWeight, "tv-weight", d.tv_weight, 4);
    s.label = N_("S_moothness (TV weight)");
    s.tooltip =
        N_("Total variation weight: suppresses pixel noise and checkerboard artefacts. "
           "Too much of it blurs fine detail.");
  }
  {
    ParamSpec& s = row(kIterations, "iterations", ParamType::Int);
    s.min = l.iterations_min;
    s.max = l.iterations_max;
    s.default_number = d.iterations;
    s.soft_min = l.iterations_min;
    s.soft_max = std::max(2000, d.iterations);
    s.label = N_("_Iterations");
    s.tooltip =
        N_("Optimisation steps at each scale (the layer is refined from coarse to "
           "fine). More steps refine the result; run time grows in proportion.");
  }
  {
    ParamSpec& s = row(kMaxSize, "max-size", ParamType::Int);
    s.min = 0;
    s.max = l.max_size_max;
    s.default_number = d.max_size;
    s.soft_max = std::max(4096, d.max_size);
    s.label = N_("Max si_ze");
    s.tooltip =
        N_("Longest side, in pixels, at which the layer is processed; the result is "
           "scaled back to the layer's size. 0 processes at full size. Smaller is much "
           "faster and needs less memory.");
  }
  {
    ParamSpec& s =
        choice_row(kOptimizer, "optimizer",
                   d.optimizer == neural_style::Optimizer::LBFGS ? kOptimizerLbfgs : kOptimizerAdam,
                   {N_("Adam"), N_("L-BFGS")});
    s.label = N_("Op_timizer");
    s.tooltip =
        N_("Adam takes cheap, steady steps. L-BFGS converges in fewer iterations but "
           "each one costs more and needs more memory.");
  }
  {
    ParamSpec& s = choice_row(kInit, "init",
                              d.init == neural_style::InitMode::Noise ? kInitNoise : kInitContent,
                              {N_("Content"), N_("Noise")});
    s.label = N_("Start _from");
    s.tooltip =
        N_("What the optimisation starts from: the layer itself (keeps more of it, "
           "converges faster) or random noise (bolder, more abstract results).");
  }
  {
    ParamSpec& s = row(kPreserveColors, "preserve-colors", ParamType::Boolean);
    s.min = 0;
    s.max = 1;
    s.default_number = 0;
    s.label = N_("_Preserve colours");
    s.tooltip =
        N_("Keep the layer's own colours and take only the style's light and dark "
           "patterns.");
  }
  {
    ParamSpec& s = row(kSeed, "seed", ParamType::Int);
    s.min = 0;
    s.max = G_MAXINT32;
    s.soft_max = G_MAXINT32;
    s.default_number = static_cast<double>(d.seed % (static_cast<std::uint64_t>(G_MAXINT32) + 1));
    s.label = N_("R_andom seed");
    s.tooltip =
        N_("Seed of the random numbers (noise start, random network). The same seed "
           "and settings give the same result.");
  }
  {
    ParamSpec& s =
        choice_row(kDevice, "device", kDeviceAuto, {N_("Automatic"), N_("CPU"), N_("GPU (CUDA)")});
    s.label = N_("D_evice");
    s.tooltip =
        N_("Where the computation runs. Automatic uses the GPU when one is available, "
           "else the CPU.");
  }
  {
    ParamSpec& s = row(kWeightsFile, "weights-file", ParamType::String);
    s.label = N_("_Weights file");
    s.tooltip =
        N_("Pretrained VGG-19 weights (.safetensors). Leave empty to search the "
           "default model folders.");
  }
  return t;
}

// Settings must read back the same in every locale, so numbers never go through printf's
// locale-dependent decimal separator.
std::string format_number(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_dtostr(buf, sizeof buf, v);
}

std::string escape(const std::string& s) {
  gchar* e = g_strescape(s.c_str(), nullptr);
  std::string out(e);
  g_free(e);
  return out;
}

std::string unescape(const std::string& s) {
  gchar* u = g_strcompress(s.c_str());
  std::string out(u);
  g_free(u);
  return out;
}

}  // namespace

const std::vector<ParamSpec>& parameter_table() {
  static const std::vector<ParamSpec> table = build_table();
  return table;
}

const ParamSpec& param_spec(ParamId id) {
  return parameter_table().at(id);
}

Values default_values() {
  Values v;
  for (const ParamSpec& s : parameter_table()) {
    if (s.type == ParamType::String)
      set_string(&v, s.id, s.default_string);
    else
      set_number(&v, s.id, s.default_number);
  }
  return v;
}

double get_number(const Values& v, ParamId id) {
  switch (id) {
    case kContentWeight: return v.content_weight;
    case kStyleWeight: return v.style_weight;
    case kTvWeight: return v.tv_weight;
    case kIterations: return v.iterations;
    case kMaxSize: return v.max_size;
    case kOptimizer: return v.optimizer;
    case kInit: return v.init;
    case kPreserveColors: return v.preserve_colors ? 1 : 0;
    case kSeed: return v.seed;
    case kDevice: return v.device;
    default: return 0;
  }
}

void set_number(Values* v, ParamId id, double value) {
  const int i = static_cast<int>(std::lround(std::clamp(value, -2147483648.0, 2147483647.0)));
  switch (id) {
    case kContentWeight: v->content_weight = value; break;
    case kStyleWeight: v->style_weight = value; break;
    case kTvWeight: v->tv_weight = value; break;
    case kIterations: v->iterations = i; break;
    case kMaxSize: v->max_size = i; break;
    case kOptimizer: v->optimizer = i; break;
    case kInit: v->init = i; break;
    case kPreserveColors: v->preserve_colors = i != 0; break;
    case kSeed: v->seed = i; break;
    case kDevice: v->device = i; break;
    default: break;
  }
}

const std::string& get_string(const Values& v, ParamId id) {
  static const std::string none;
  switch (id) {
    case kStyleFile: return v.style_file;
    case kWeightsFile: return v.weights_file;
    default: return none;
  }
}

void set_string(Values* v, ParamId id, std::string value) {
  switch (id) {
    case kStyleFile: v->style_file = std::move(value); break;
    case kWeightsFile: v->weights_file = std::move(value); break;
    default: break;
  }
}

Values clamped(Values v) {
  for (const ParamSpec& s : parameter_table()) {
    if (s.type == ParamType::String) continue;
    double x = get_number(v, s.id);
    if (!std::isfinite(x)) x = s.default_number;
    set_number(&v, s.id, std::clamp(x, s.min, s.max));
  }
  return v;
}

std::string check_ranges(const Values& v) {
  for (const ParamSpec& s : parameter_table()) {
    if (s.type == ParamType::String) continue;
    const double x = get_number(v, s.id);
    if (!std::isfinite(x) || x < s.min || x > s.max) {
      return format(_("The argument %s is %s, outside its range %s … %s."), s.name,
                    format_number(x).c_str(), format_number(s.min).c_str(),
                    format_number(s.max).c_str());
    }
  }
  const int min_side = neural_style::limits().max_size_min;
  if (v.max_size != 0 && v.max_size < min_side) {
    return format(_("Max size must be 0 (the layer's own size) or at least %d."), min_side);
  }
  return {};
}

neural_style::Params to_engine_params(const Values& v) {
  neural_style::Params p = neural_style::default_params();
  p.content_weight = v.content_weight;
  p.style_weight = v.style_weight;
  p.tv_weight = v.tv_weight;
  p.iterations = v.iterations;
  p.max_size = v.max_size;
  p.optimizer = v.optimizer == kOptimizerLbfgs ? neural_style::Optimizer::LBFGS
                                               : neural_style::Optimizer::Adam;
  p.init = v.init == kInitNoise ? neural_style::InitMode::Noise : neural_style::InitMode::Content;
  p.seed = static_cast<std::uint64_t>(v.seed);
  switch (v.device) {
    case kDeviceCpu: p.device = neural_style::Device::CPU; break;
    case kDeviceGpu: p.device = neural_style::Device::CUDA; break;
    default: p.device = neural_style::Device::Auto; break;
  }
  p.weights_file = v.weights_file;
  // Test hook (see docs/gimp-plugin.md): a narrower random network keeps GIMP tests fast.
  if (const char* divisor = std::getenv("NEURAL_STYLE_TEST_WIDTH_DIVISOR")) {
    const int n = std::atoi(divisor);
    if (n >= 1) p.random_width_divisor = n;
  }
  return p;
}

std::string serialize_values(const Values& v) {
  std::ostringstream out;
  out << "neural-style-values " << kValuesVersion << '\n';
  for (const ParamSpec& s : parameter_table()) {
    out << s.name << '=';
    if (s.type == ParamType::String)
      out << escape(get_string(v, s.id));
    else
      out << format_number(get_number(v, s.id));
    out << '\n';
  }
  return out.str();
}

Values parse_values(const std::string& text, const Values& fallback) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != "neural-style-values " + std::to_string(kValuesVersion))
    return fallback;
  Values v = fallback;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    for (const ParamSpec& s : parameter_table()) {
      if (name != s.name) continue;
      if (s.type == ParamType::String)
        set_string(&v, s.id, unescape(value));
      else
        set_number(&v, s.id, g_ascii_strtod(value.c_str(), nullptr));
    }
  }
  return clamped(v);
}

}  // namespace neural_style::plugin
