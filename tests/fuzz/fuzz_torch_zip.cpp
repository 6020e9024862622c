// libFuzzer target: the PyTorch zip checkpoint reader (libzip container, data.pkl, storages)
// on arbitrary bytes. Built by tools/fuzz.sh.
#include "formats/internal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mf = neural_style::model_files;
  neural_style::Checkpoint out;
  try {
    mf::parse_torch_zip(data, size, nullptr, &out);
  } catch (const mf::ParseError&) {
  }
  return 0;
}
