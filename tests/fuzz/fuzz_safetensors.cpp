// libFuzzer target: the safetensors parser on arbitrary bytes. Built by tools/fuzz.sh.
#include "formats/internal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mf = neural_style::model_files;
  neural_style::Checkpoint out;
  try {
    mf::parse_safetensors(data, size, nullptr, &out);
  } catch (const mf::ParseError&) {
    // A refusal is the expected outcome for most inputs; anything else escaping is a bug.
  }
  return 0;
}
