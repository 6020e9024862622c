// A stand-in for an engine module built for another plug-in: it exports both entry points, but
// its ABI function reports version 999 (or, built with NEURAL_STYLE_NO_ABI_ENTRY, is missing,
// as in modules from before the ABI function existed). The loader must refuse it without
// reading its table, whose run pointers are null here.
#include "neural_style/engine_module.h"

namespace {

const neural_style::EngineApi kApi = {999, nullptr, nullptr, nullptr, nullptr, nullptr};

}  // namespace

extern "C" __attribute__((visibility("default"))) const neural_style::EngineApi*
neural_style_engine_api() {
  return &kApi;
}

#ifndef NEURAL_STYLE_NO_ABI_ENTRY
extern "C" __attribute__((visibility("default"))) neural_style::EngineAbi
neural_style_engine_abi() {
  neural_style::EngineAbi abi = neural_style::this_build_abi();
  abi.abi_version = 999;
  return abi;
}
#endif
