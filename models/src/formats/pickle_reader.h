// A minimal pickle machine for PyTorch state dicts. It understands only the opcodes and globals
// that torch.save writes for a state dict, builds plain data (no object is ever constructed
// from a global name, no code runs), and bounds the work by the input: every object costs at
// least one input byte, container nesting and MARK depth are capped, and lengths are checked
// against the bytes left before anything is copied. Anything else is an error naming it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "formats/internal.h"

namespace neural_style {
namespace model_files {

class PickleMachine {
 public:
  enum class Kind {
    None,
    Bool,
    Int,
    Float,
    String,  // str, and protocol 2's byte strings (read as text by Python 3 too)
    Bytes,
    Tuple,
    List,
    Dict,     // dict and collections.OrderedDict
    Global,   // an allowlisted name, never resolved to code
    Storage,  // what a persistent id resolved to
    Tensor,
  };

  struct Storage {
    DType dtype = DType::F32;
    std::string key;
    std::uint64_t elements = 0;  // of this storage (a view's own size)
    // Legacy files may store a view into a larger root storage, named by `key`.
    std::uint64_t view_offset = 0;
    std::uint64_t root_elements = 0;
  };

  struct Object {
    Kind kind = Kind::None;
    std::int64_t integer = 0;  // Bool, Int
    double real = 0;           // Float
    std::string text;          // String, Bytes; Global: "module.name"
    std::vector<int> items;    // Tuple, List; Dict: key, value, key, value, ...
    int depth = 0;             // container nesting below this object
    Storage storage;           // Storage
    int tensor_storage = -1;   // Tensor: index of its Storage object
    TensorView view;           // Tensor (dtype copied from the storage)
  };

  // Turns a persistent id (the object at the given index, a tuple) into a storage; throws
  // ParseError when it is not one the format understands.
  using PersistentLoad = std::function<Storage(const PickleMachine&, int pid)>;

  explicit PickleMachine(PersistentLoad persistent_load);

  // Runs one pickle from data[*pos] up to its STOP; returns the index of the result and moves
  // *pos past the STOP. The machine's objects stay valid until the next run().
  int run(const std::uint8_t* data, std::size_t size, std::size_t* pos);

  const Object& at(int index) const { return objects_.at(static_cast<std::size_t>(index)); }

  // Finds the state dict in the result: the top-level dict, or its "state_dict" entry when it
  // holds one. Fills (name, tensor object index) pairs in file order; "module." is stripped.
  std::vector<std::pair<std::string, int>> state_dict_tensors(int root) const;

 private:
  int make(Kind kind);
  int pop();
  std::vector<int> pop_to_mark();
  void push(int index);
  void add_child(int container, int child);
  int reduce(int callable, int args);
  int global(const std::string& module, const std::string& name);

  PersistentLoad persistent_load_;
  std::vector<Object> objects_;
  std::vector<int> stack_;
  std::vector<std::size_t> marks_;
  std::map<std::uint32_t, int> memo_;
};

// A tensor of the state dict: its root storage's key and a view checked against it (the
// offset counts from the root storage's start).
struct PickledTensor {
  std::string name;
  std::string key;
  TensorView view;
};
struct StorageDecl {
  DType dtype = DType::F32;
  std::uint64_t elements = 0;
};

// The state dict's tensors, each checked against its storage's declared size; fills the root
// storages they use, refusing one declared twice with different types or sizes.
std::vector<PickledTensor> collect_tensors(const PickleMachine& pickle, int root,
                                           std::map<std::string, StorageDecl>* storages);

// Storage class names as torch writes them ("FloatStorage") to element types.
bool storage_dtype(const std::string& global_name, DType* type);

// Both torch formats name a storage by a persistent id ('storage', type, key, location, size,
// ...): the legacy format appends a view, the zip format nothing. Checks that the tuple has
// exactly `length` items and that the first five are well-formed, failing with `shape` (the
// format's own description of the tuple) when not; returns the whole storage it names, so that
// elements == root_elements. Items past the fifth are the caller's to read.
PickleMachine::Storage storage_persistent_id(const PickleMachine& pickle, int pid,
                                             std::size_t length, const char* shape);

}  // namespace model_files
}  // namespace neural_style
