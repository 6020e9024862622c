#include "formats/pickle_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

namespace neural_style {
namespace model_files {

namespace {

// A VGG-19 state dict's pickle has a few hundred objects; these bounds are far above any real
// state dict and keep a hostile pickle's memory and work proportional to its size.
constexpr std::size_t kMaxObjects = 1u << 20;
constexpr std::size_t kMaxMarks = 256;
constexpr int kMaxDepth = 64;

const char* kind_name(PickleMachine::Kind kind) {
  using K = PickleMachine::Kind;
  switch (kind) {
    case K::None: return "None";
    case K::Bool: return "bool";
    case K::Int: return "int";
    case K::Float: return "float";
    case K::String: return "str";
    case K::Bytes: return "bytes";
    case K::Tuple: return "tuple";
    case K::List: return "list";
    case K::Dict: return "dict";
    case K::Global: return "global";
    case K::Storage: return "storage";
    case K::Tensor: return "tensor";
  }
  return "?";
}

std::string opcode_text(std::uint8_t op) {
  char buf[32];
  if (op >= 0x21 && op < 0x7f)
    std::snprintf(buf, sizeof buf, "0x%02x ('%c')", op, op);
  else
    std::snprintf(buf, sizeof buf, "0x%02x", op);
  return buf;
}

// Reads the input with every length checked against what is left.
class Cursor {
 public:
  Cursor(const std::uint8_t* data, std::size_t size, std::size_t pos)
      : data_(data), size_(size), pos_(pos) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return size_ - pos_; }
  const std::uint8_t* take(std::uint64_t n) {
    if (n > left())
      fail("pickle truncated: needs " + std::to_string(n) + " bytes at byte " +
           std::to_string(pos_) + ", " + std::to_string(left()) + " left");
    const std::uint8_t* p = data_ + pos_;
    pos_ += static_cast<std::size_t>(n);
    return p;
  }
  std::uint64_t uint_le(int n) {
    const std::uint8_t* p = take(static_cast<std::uint64_t>(n));
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  std::string bytes(std::uint64_t n) {
    const std::uint8_t* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  std::string line() {
    const std::size_t limit = std::min<std::size_t>(left(), 256);
    const std::uint8_t* p = data_ + pos_;
    const void* nl = std::memchr(p, '\n', limit);
    if (!nl) fail("pickle GLOBAL name at byte " + std::to_string(pos_) + " is not terminated");
    const std::size_t n = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - p);
    std::string s(reinterpret_cast<const char*>(p), n);
    pos_ += n + 1;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_;
};

bool allowed_global(const std::string& full) {
  static const char* const kAllowed[] = {
      "collections.OrderedDict",
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_tensor",
      "torch._utils._rebuild_parameter",
  };
  for (const char* a : kAllowed)
    if (full == a) return true;
  DType unused;
  return full.compare(0, 6, "torch.") == 0 && storage_dtype(full.substr(6), &unused);
}

}  // namespace

bool storage_dtype(const std::string& name, DType* type) {
  static const std::pair<const char*, DType> kTypes[] = {
      {"FloatStorage", DType::F32},  {"HalfStorage", DType::F16}, {"BFloat16Storage", DType::BF16},
      {"DoubleStorage", DType::F64}, {"LongStorage", DType::I64}, {"IntStorage", DType::I32},
      {"ShortStorage", DType::I16},  {"CharStorage", DType::I8},  {"ByteStorage", DType::U8},
      {"BoolStorage", DType::Bool},
  };
  for (const auto& [n, t] : kTypes)
    if (name == n) {
      *type = t;
      return true;
    }
  return false;
}

PickleMachine::Storage storage_persistent_id(const PickleMachine& pickle, int pid,
                                             std::size_t length, const char* shape) {
  using K = PickleMachine::Kind;
  const auto& t = pickle.at(pid);
  if (t.kind != K::Tuple || t.items.size() != length || length < 5) fail(shape);
  const auto& tag = pickle.at(t.items[0]);
  const auto& type = pickle.at(t.items[1]);
  const auto& key = pickle.at(t.items[2]);
  const auto& size = pickle.at(t.items[4]);
  if (tag.kind != K::String || tag.text != "storage" || type.kind != K::Global ||
      key.kind != K::String || size.kind != K::Int || size.integer < 0)
    fail(shape);
  PickleMachine::Storage s;
  if (!storage_dtype(type.text.substr(type.text.rfind('.') + 1), &s.dtype))
    fail("storage type " + type.text + " is not supported");
  s.key = key.text;
  s.root_elements = static_cast<std::uint64_t>(size.integer);
  s.elements = s.root_elements;
  return s;
}

PickleMachine::PickleMachine(PersistentLoad persistent_load)
    : persistent_load_(std::move(persistent_load)) {}

int PickleMachine::make(Kind kind) {
  if (objects_.size() >= kMaxObjects)
    fail("pickle holds more than " + std::to_string(kMaxObjects) + " objects");
  objects_.emplace_back();
  objects_.back().kind = kind;
  return static_cast<int>(objects_.size() - 1);
}

void PickleMachine::push(int index) {
  stack_.push_back(index);
}

int PickleMachine::pop() {
  const std::size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) fail("pickle stack underflow");
  const int v = stack_.back();
  stack_.pop_back();
  return v;
}

std::vector<int> PickleMachine::pop_to_mark() {
  if (marks_.empty()) fail("pickle uses a MARK that was never set");
  const std::size_t mark = marks_.back();
  marks_.pop_back();
  std::vector<int> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
  stack_.resize(mark);
  return items;
}

void PickleMachine::add_child(int container, int child) {
  Object& c = objects_[static_cast<std::size_t>(container)];
  c.items.push_back(child);
  c.depth = std::max(c.depth, objects_[static_cast<std::size_t>(child)].depth + 1);
  if (c.depth > kMaxDepth)
    fail("pickle nests containers deeper than " + std::to_string(kMaxDepth) + " levels");
}

int PickleMachine::global(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  if (!allowed_global(full))
    fail("pickle uses the forbidden global " + full + " (a state dict needs only tensors)");
  const int g = make(Kind::Global);
  objects_[static_cast<std::size_t>(g)].text = full;
  return g;
}

int PickleMachine::reduce(int callable, int args_index) {
  const Object& fn = at(callable);
  const Object& args = at(args_index);
  if (fn.kind != Kind::Global) fail(std::string("pickle calls a ") + kind_name(fn.kind));
  if (args.kind != Kind::Tuple) fail("pickle calls " + fn.text + " without an argument tuple");
  const std::string name = fn.text;
  const std::vector<int> a = args.items;
  auto arg = [&](std::size_t i, Kind kind) -> const Object& {
    const Object& o = at(a[i]);
    if (o.kind != kind)
      fail("argument " + std::to_string(i + 1) + " of " + name + " is a " + kind_name(o.kind) +
           ", expected a " + kind_name(kind));
    return o;
  };
  auto int_tuple = [&](std::size_t i) {
    std::vector<std::int64_t> v;
    for (int item : arg(i, Kind::Tuple).items) {
      const Object& o = at(item);
      if (o.kind != Kind::Int) fail("a size or stride given to " + name + " is not an integer");
      v.push_back(o.integer);
    }
    return v;
  };

  if (name == "collections.OrderedDict") {
    if (!a.empty()) fail("pickle builds a collections.OrderedDict from arguments");
    return make(Kind::Dict);
  }
  if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
    const bool v2 = name == "torch._utils._rebuild_tensor_v2";
    if (v2 ? (a.size() < 6 || a.size() > 7) : a.size() != 4)
      fail(name + " called with " + std::to_string(a.size()) + " arguments");
    arg(0, Kind::Storage);
    TensorView view;
    view.offset = arg(1, Kind::Int).integer;
    view.shape = int_tuple(2);
    view.stride = int_tuple(3);
    view.dtype = at(a[0]).storage.dtype;
    const int t = make(Kind::Tensor);
    objects_[static_cast<std::size_t>(t)].tensor_storage = a[0];
    objects_[static_cast<std::size_t>(t)].view = std::move(view);
    return t;
  }
  if (name == "torch._utils._rebuild_parameter") {
    if (a.size() != 3) fail(name + " called with " + std::to_string(a.size()) + " arguments");
    arg(0, Kind::Tensor);
    return a[0];
  }
  fail("pickle calls " + name + ", which is not a function a state dict uses");
}

int PickleMachine::run(const std::uint8_t* data, std::size_t size, std::size_t* pos) {
  objects_.clear();
  stack_.clear();
  marks_.clear();
  memo_.clear();
  Cursor in(data, size, *pos);
  auto make_int = [&](std::int64_t v) {
    const int o = make(Kind::Int);
    objects_[static_cast<std::size_t>(o)].integer = v;
    push(o);
  };
  auto make_text = [&](Kind kind, std::uint64_t length) {
    std::string s = in.bytes(length);
    const int o = make(kind);
    objects_[static_cast<std::size_t>(o)].text = std::move(s);
    push(o);
  };
  auto make_tuple = [&](std::vector<int> items) {
    const int t = make(Kind::Tuple);
    for (int item : items) add_child(t, item);
    push(t);
  };
  auto memo_put = [&](std::uint32_t key) {
    if (stack_.empty()) fail("pickle memoises an empty stack");
    memo_[key] = stack_.back();
  };
  auto memo_get = [&](std::uint32_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail("pickle refers to memo entry " + std::to_string(key) + " unset");
    push(it->second);
  };
  auto top_of_kind = [&](Kind kind, const char* op) {
    const int c = pop();
    if (at(c).kind != kind)
      fail(std::string("pickle ") + op + " on a " + kind_name(at(c).kind) + ", expected a " +
           kind_name(kind));
    push(c);
    return c;
  };
  auto set_items = [&](int dict, const std::vector<int>& kv) {
    if (kv.size() % 2 != 0) fail("pickle SETITEMS with an odd number of items");
    for (int item : kv) add_child(dict, item);
  };

  for (;;) {
    const std::size_t at_byte = in.pos();
    const std::uint8_t op = *in.take(1);
    switch (op) {
      case 0x80: {  // PROTO
        const std::uint8_t version = *in.take(1);
        if (version < 2 || version > 5)
          fail("pickle protocol " + std::to_string(version) + " is not supported");
        break;
      }
      case 0x95: in.take(8); break;  // FRAME: a hint for buffered readers only
      case '.': {                    // STOP
        const int result = pop();
        *pos = in.pos();
        return result;
      }
      case '(':
        if (marks_.size() >= kMaxMarks)
          fail("pickle nests MARKs deeper than " + std::to_string(kMaxMarks) + " levels");
        marks_.push_back(stack_.size());
        break;
      case '0': pop(); break;          // POP
      case '1': pop_to_mark(); break;  // POP_MARK
      case 'N': push(make(Kind::None)); break;
      case 0x88:
      case 0x89: {
        const int b = make(Kind::Bool);
        objects_[static_cast<std::size_t>(b)].integer = op == 0x88;
        push(b);
        break;
      }
      case 'J':
        make_int(static_cast<std::int32_t>(static_cast<std::uint32_t>(in.uint_le(4))));
        break;
      case 'K': make_int(static_cast<std::int64_t>(in.uint_le(1))); break;
      case 'M': make_int(static_cast<std::int64_t>(in.uint_le(2))); break;
      case 0x8a:    // LONG1
      case 0x8b: {  // LONG4
        const std::uint64_t n = op == 0x8a ? in.uint_le(1) : in.uint_le(4);
        if (n > 8) fail("pickle holds an integer of " + std::to_string(n) + " bytes");
        const int bytes = static_cast<int>(n);
        std::uint64_t v = bytes ? in.uint_le(bytes) : 0;
        if (bytes > 0 && bytes < 8 && (v >> (8 * bytes - 1)) & 1)
          v |= ~std::uint64_t{0} << (8 * bytes);  // sign-extend two's complement
        make_int(static_cast<std::int64_t>(v));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        const std::uint8_t* p = in.take(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
        double d;
        std::memcpy(&d, &bits, sizeof d);
        const int f = make(Kind::Float);
        objects_[static_cast<std::size_t>(f)].real = d;
        push(f);
        break;
      }
      case 'X': make_text(Kind::String, in.uint_le(4)); break;   // BINUNICODE
      case 0x8c: make_text(Kind::String, in.uint_le(1)); break;  // SHORT_BINUNICODE
      case 0x8d: make_text(Kind::String, in.uint_le(8)); break;  // BINUNICODE8
      case 'U': make_text(Kind::String, in.uint_le(1)); break;   // SHORT_BINSTRING
      case 'T': {                                                // BINSTRING
        const auto n = static_cast<std::int32_t>(static_cast<std::uint32_t>(in.uint_le(4)));
        if (n < 0) fail("pickle holds a string of negative length");
        make_text(Kind::String, static_cast<std::uint64_t>(n));
        break;
      }
      case 'C': make_text(Kind::Bytes, in.uint_le(1)); break;   // SHORT_BINBYTES
      case 'B': make_text(Kind::Bytes, in.uint_le(4)); break;   // BINBYTES
      case 0x8e: make_text(Kind::Bytes, in.uint_le(8)); break;  // BINBYTES8
      case ')': make_tuple({}); break;
      case 't': make_tuple(pop_to_mark()); break;
      case 0x85: {
        const int a = pop();
        make_tuple({a});
        break;
      }
      case 0x86: {
        const int b = pop(), a = pop();
        make_tuple({a, b});
        break;
      }
      case 0x87: {
        const int c = pop(), b = pop(), a = pop();
        make_tuple({a, b, c});
        break;
      }
      case ']': push(make(Kind::List)); break;
      case 'l': {  // LIST
        const std::vector<int> items = pop_to_mark();
        const int l = make(Kind::List);
        for (int item : items) add_child(l, item);
        push(l);
        break;
      }
      case 'a': {  // APPEND
        const int item = pop();
        add_child(top_of_kind(Kind::List, "APPEND"), item);
        break;
      }
      case 'e': {  // APPENDS
        const std::vector<int> items = pop_to_mark();
        const int l = top_of_kind(Kind::List, "APPENDS");
        for (int item : items) add_child(l, item);
        break;
      }
      case '}': push(make(Kind::Dict)); break;
      case 'd': {  // DICT
        const std::vector<int> kv = pop_to_mark();
        const int d = make(Kind::Dict);
        set_items(d, kv);
        push(d);
        break;
      }
      case 's': {  // SETITEM
        const int value = pop(), key = pop();
        set_items(top_of_kind(Kind::Dict, "SETITEM"), {key, value});
        break;
      }
      case 'u': {  // SETITEMS
        const std::vector<int> kv = pop_to_mark();
        set_items(top_of_kind(Kind::Dict, "SETITEMS"), kv);
        break;
      }
      case 'c': {  // GLOBAL
        const std::string module = in.line();
        const std::string name = in.line();
        push(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        const int name = pop(), module = pop();
        if (at(name).kind != Kind::String || at(module).kind != Kind::String)
          fail("pickle STACK_GLOBAL without two strings");
        push(global(at(module).text, at(name).text));
        break;
      }
      case 'R': {  // REDUCE
        const int args = pop(), callable = pop();
        push(reduce(callable, args));
        break;
      }
      case 'b': {  // BUILD: sets attributes, which plain data has no use for
        pop();
        const int target = pop();
        const Kind k = at(target).kind;
        if (k != Kind::Dict && k != Kind::Tensor)
          fail(std::string("pickle BUILD on a ") + kind_name(k));
        push(target);
        break;
      }
      case 'Q': {  // BINPERSID
        const int pid = pop();
        Storage storage = persistent_load_(*this, pid);
        const int s = make(Kind::Storage);
        objects_[static_cast<std::size_t>(s)].storage = std::move(storage);
        push(s);
        break;
      }
      case 'q': memo_put(static_cast<std::uint32_t>(in.uint_le(1))); break;
      case 'r': memo_put(static_cast<std::uint32_t>(in.uint_le(4))); break;
      case 0x94: memo_put(static_cast<std::uint32_t>(memo_.size())); break;  // MEMOIZE
      case 'h': memo_get(static_cast<std::uint32_t>(in.uint_le(1))); break;
      case 'j': memo_get(static_cast<std::uint32_t>(in.uint_le(4))); break;
      default:
        fail("pickle opcode " + opcode_text(op) + " at byte " + std::to_string(at_byte) +
             " is not one a state dict uses");
    }
  }
}

std::vector<std::pair<std::string, int>> PickleMachine::state_dict_tensors(int root) const {
  const Object* dict = &at(root);
  if (dict->kind != Kind::Dict)
    fail(std::string("the pickle holds a ") + kind_name(dict->kind) + ", not a state dict");
  for (std::size_t i = 0; i + 1 < dict->items.size(); i += 2) {
    const Object& key = at(dict->items[i]);
    const Object& value = at(dict->items[i + 1]);
    if (key.kind == Kind::String && key.text == "state_dict" && value.kind == Kind::Dict) {
      dict = &value;
      break;
    }
  }
  std::vector<std::pair<std::string, int>> tensors;
  std::set<std::string> seen;
  for (std::size_t i = 0; i + 1 < dict->items.size(); i += 2) {
    const Object& key = at(dict->items[i]);
    const int value = dict->items[i + 1];
    if (key.kind != Kind::String || at(value).kind != Kind::Tensor) continue;
    const std::string name = canonical_name(key.text);
    if (!seen.insert(name).second) fail("tensor " + name + " appears twice");
    tensors.emplace_back(name, value);
  }
  return tensors;
}

std::vector<PickledTensor> collect_tensors(const PickleMachine& pickle, int root,
                                           std::map<std::string, StorageDecl>* storages) {
  std::vector<PickledTensor> out;
  for (const auto& [name, index] : pickle.state_dict_tensors(root)) {
    const PickleMachine::Object& tensor = pickle.at(index);
    const PickleMachine::Storage& s = pickle.at(tensor.tensor_storage).storage;
    auto [it, inserted] = storages->emplace(s.key, StorageDecl{s.dtype, s.root_elements});
    if (!inserted && (it->second.dtype != s.dtype || it->second.elements != s.root_elements))
      fail("storage " + s.key + " is declared twice with different types or sizes");
    if (s.view_offset > s.root_elements || s.elements > s.root_elements - s.view_offset)
      fail("storage view " + s.key + " lies outside its root storage");
    PickledTensor t;
    t.name = name;
    t.key = s.key;
    t.view = tensor.view;
    check_view(name, t.view, s.elements);
    t.view.offset += static_cast<std::int64_t>(s.view_offset);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace model_files
}  // namespace neural_style
