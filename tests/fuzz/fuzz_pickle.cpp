// libFuzzer target: the pickle machine alone, as it runs on a zip checkpoint's data.pkl (inside
// a zip, mutated pickles would mostly stop at the CRC check). Built by tools/fuzz.sh.
#include <map>

#include "formats/pickle_reader.h"

namespace mf = neural_style::model_files;

namespace {

// The zip format's persistent ids: ('storage', type, key, location, size).
mf::PickleMachine::Storage load(const mf::PickleMachine& pickle, int pid) {
  using K = mf::PickleMachine::Kind;
  const auto& t = pickle.at(pid);
  if (t.kind != K::Tuple || t.items.size() != 5) mf::fail("bad persistent id");
  const auto& type = pickle.at(t.items[1]);
  const auto& key = pickle.at(t.items[2]);
  const auto& size = pickle.at(t.items[4]);
  if (type.kind != K::Global || key.kind != K::String || size.kind != K::Int || size.integer < 0)
    mf::fail("bad persistent id");
  mf::PickleMachine::Storage s;
  if (!mf::storage_dtype(type.text.substr(type.text.rfind('.') + 1), &s.dtype))
    mf::fail("bad storage type");
  s.key = key.text;
  s.elements = s.root_elements = static_cast<std::uint64_t>(size.integer);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mf::PickleMachine pickle(load);
    std::size_t pos = 0;
    const int root = pickle.run(data, size, &pos);
    std::map<std::string, mf::StorageDecl> storages;
    mf::collect_tensors(pickle, root, &storages);
  } catch (const mf::ParseError&) {
  }
  return 0;
}
