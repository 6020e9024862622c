// torch.save before PyTorch 1.6 (and with _use_new_zipfile_serialization=False): five pickles
// in a row (magic number, protocol version, sys_info, the state dict with storages as
// persistent ids, the list of storage keys), then each storage in that list's order as a
// little-endian int64 element count followed by its raw elements.
#include <cstring>
#include <set>

#include "formats/pickle_reader.h"

namespace neural_style {
namespace model_files {

namespace {

// pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2), as torch.save writes it first.
constexpr std::uint8_t kMagicPickle[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                         0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
constexpr std::int64_t kProtocolVersion = 1001;

using K = PickleMachine::Kind;

PickleMachine::Storage legacy_persistent_load(const PickleMachine& pickle, int pid) {
  PickleMachine::Storage s = storage_persistent_id(
      pickle, pid, 6, "persistent id is not ('storage', type, key, location, size, view)");
  const auto& view = pickle.at(pickle.at(pid).items[5]);
  if (view.kind == K::Tuple) {
    // (view key, offset, size), both in elements of the root storage.
    if (view.items.size() != 3) fail("storage view of " + s.key + " is malformed");
    const auto& offset = pickle.at(view.items[1]);
    const auto& view_size = pickle.at(view.items[2]);
    if (offset.kind != K::Int || view_size.kind != K::Int || offset.integer < 0 ||
        view_size.integer < 0)
      fail("storage view of " + s.key + " is malformed");
    s.view_offset = static_cast<std::uint64_t>(offset.integer);
    s.elements = static_cast<std::uint64_t>(view_size.integer);
  } else if (view.kind != K::None) {
    fail("storage view of " + s.key + " is malformed");
  }
  return s;
}

PickleMachine::Storage no_persistent_ids(const PickleMachine&, int) {
  fail("persistent id outside the state dict's pickle");
}

}  // namespace

void parse_torch_legacy(const std::uint8_t* data, std::size_t size, const Wanted& wanted,
                        Checkpoint* out) {
  if (size < sizeof kMagicPickle || std::memcmp(data, kMagicPickle, sizeof kMagicPickle) != 0)
    fail("no PyTorch magic number: not a legacy PyTorch checkpoint");
  std::size_t pos = sizeof kMagicPickle;

  PickleMachine header(no_persistent_ids);
  const int protocol = header.run(data, size, &pos);
  if (header.at(protocol).kind != K::Int || header.at(protocol).integer != kProtocolVersion)
    fail("unsupported legacy checkpoint protocol version");
  const int sys_info = header.run(data, size, &pos);
  const auto& info = header.at(sys_info);
  if (info.kind != K::Dict) fail("legacy checkpoint's sys_info is not a dict");
  for (std::size_t i = 0; i + 1 < info.items.size(); i += 2) {
    const auto& key = header.at(info.items[i]);
    const auto& value = header.at(info.items[i + 1]);
    if (key.kind == K::String && key.text == "little_endian" && value.kind == K::Bool &&
        !value.integer)
      fail("the checkpoint is big-endian, which is not supported");
  }

  // Every storage the pickle declares, the state dict's or not (a checkpoint may hold more),
  // so that the raw data of each can be stepped over.
  std::map<std::string, StorageDecl> declared;
  PickleMachine pickle([&declared](const PickleMachine& p, int pid) {
    PickleMachine::Storage s = legacy_persistent_load(p, pid);
    auto [it, inserted] = declared.emplace(s.key, StorageDecl{s.dtype, s.root_elements});
    if (!inserted && (it->second.dtype != s.dtype || it->second.elements != s.root_elements))
      fail("storage " + s.key + " is declared twice with different types or sizes");
    return s;
  });
  const int root = pickle.run(data, size, &pos);
  std::map<std::string, StorageDecl> storages;
  const std::vector<PickledTensor> tensors = collect_tensors(pickle, root, &storages);

  PickleMachine key_list(no_persistent_ids);
  const int keys = key_list.run(data, size, &pos);
  if (key_list.at(keys).kind != K::List) fail("legacy checkpoint's storage key list is missing");

  // The raw storages, in the list's order.
  std::map<std::string, const std::uint8_t*> storage_data;
  std::set<std::string> seen;
  for (int k : key_list.at(keys).items) {
    const auto& key = key_list.at(k);
    if (key.kind != K::String) fail("legacy checkpoint's storage key list holds a non-string");
    if (!seen.insert(key.text).second) fail("storage " + key.text + " is listed twice");
    auto decl = declared.find(key.text);
    if (size - pos < 8)
      fail("storage " + key.text + " is cut off at byte " + std::to_string(pos) +
           " (file truncated?)");
    std::uint64_t count = 0;
    for (int i = 7; i >= 0; --i) count = (count << 8) | data[pos + static_cast<std::size_t>(i)];
    pos += 8;
    if (decl == declared.end())
      fail("storage " + key.text + " is listed but the pickle never declares it");
    if (count != decl->second.elements)
      fail("storage " + key.text + " holds " + std::to_string(count) +
           " elements, its declaration says " + std::to_string(decl->second.elements));
    const std::uint64_t bytes =
        checked_mul(count, static_cast<std::uint64_t>(dtype_bytes(decl->second.dtype)),
                    "a storage's size overflows");
    if (bytes > size - pos)
      fail("storage " + key.text + " needs " + std::to_string(bytes) + " bytes at byte " +
           std::to_string(pos) + ", only " + std::to_string(size - pos) +
           " are left (file truncated?)");
    storage_data[key.text] = data + pos;
    pos += static_cast<std::size_t>(bytes);
  }
  for (const auto& [key, decl] : declared)
    if (!storage_data.count(key)) fail("storage " + key + " is missing from the file");

  Checkpoint result;
  result.format = ModelFormat::TorchLegacy;
  for (const auto& t : tensors) {
    result.names.push_back(t.name);
    if (wanted && !wanted(t.name)) continue;
    result.tensors[t.name] = convert_view(t.name, t.view, storage_data[t.key]);
  }
  *out = std::move(result);
}

}  // namespace model_files
}  // namespace neural_style
