#include "neural_style/model_fetch.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "config.h"
#include "fd.h"
#include "neural_style/model_store.h"
#include "text.h"

namespace neural_style {

namespace fs = std::filesystem;
using models_fd::Fd;
using models_text::is_hex;
using models_text::lower;
using models_text::starts_with;

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string megabytes(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

// Removes a file when it goes out of scope, unless released: failures at any step leave no
// temporary behind.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::string path = {}) : path_(std::move(path)) {}
  ~RemoveOnExit() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  void release() { path_.clear(); }

 private:
  std::string path_;
};

// libcurl's global state, set up once; C++ makes the static's initialisation thread-safe.
bool curl_ready() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// State shared with libcurl's callbacks during one transfer.
struct Transfer {
  CURL* curl = nullptr;
  int fd = -1;
  std::uint64_t offset = 0;  // bytes kept from an earlier attempt: the Range asked for
  std::uint64_t max_bytes = 0;
  const FetchCallbacks* callbacks = nullptr;

  bool body_started = false;
  std::uint64_t base = 0;     // where the body goes in the file: `offset` after 206, 0 after 200
  std::uint64_t written = 0;  // body bytes written by this transfer
  std::uint64_t total = 0;    // the whole file's size when known
  long status = 0;
  std::string reason;         // the status line's reason phrase
  std::string content_range;  // of the last response
  bool cancelled = false;
  std::string failure;  // why a callback stopped the transfer
};

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  if (starts_with(line, "HTTP/")) {
    // A new response (a redirect's, then the final one): forget the previous one's headers.
    t->content_range.clear();
    t->reason.clear();
    const std::size_t sp = line.find(' ');
    if (sp != std::string::npos) {
      t->status = std::strtol(line.c_str() + sp + 1, nullptr, 10);
      const std::size_t sp2 = line.find(' ', sp + 1);
      if (sp2 != std::string::npos) t->reason = trim(line.substr(sp2 + 1));
    }
  } else if (const std::size_t colon = line.find(':'); colon != std::string::npos) {
    if (lower(line.substr(0, colon)) == "content-range")
      t->content_range = trim(line.substr(colon + 1));
  }
  return size * count;
}

// Called once the final response's headers are in: decides whether the body continues the
// partial file (206 for our Range) or replaces it (200: the server ignored the Range).
bool start_body(Transfer* t) {
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  t->status = code;
  if (code == 206) {
    unsigned long long first = 0, last = 0, whole = 0;
    const int n =
        std::sscanf(t->content_range.c_str(), "bytes %llu-%llu/%llu", &first, &last, &whole);
    if (n < 2 || first != t->offset) {
      t->failure = "the server sent an unexpected range (" + t->content_range + ")";
      return false;
    }
    t->base = t->offset;
    if (n == 3) t->total = whole;
  } else {
    t->base = 0;
    curl_off_t length = -1;
    curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    t->total = length > 0 ? static_cast<std::uint64_t>(length) : 0;
  }
  if (t->total > t->max_bytes) {
    t->failure = "the file is " + megabytes(t->total) + ", more than the " +
                 megabytes(t->max_bytes) + " a model may have";
    return false;
  }
  if (::ftruncate(t->fd, static_cast<off_t>(t->base)) != 0 ||
      ::lseek(t->fd, static_cast<off_t>(t->base), SEEK_SET) < 0) {
    t->failure = "cannot write the partial download (" + errno_text(errno) + ")";
    return false;
  }
  t->body_started = true;
  return true;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  if (code >= 300 && code < 400) return n;  // a redirect's own body
  if (!t->body_started && !start_body(t)) return 0;
  if (t->base + t->written + n > t->max_bytes) {
    t->failure = "the file is larger than the " + megabytes(t->max_bytes) + " a model may have";
    return 0;
  }
  size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(t->fd, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      t->failure = "cannot write the partial download (" + errno_text(errno) + ")";
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  t->written += n;
  return n;
}

int on_progress(void* user, curl_off_t dltotal, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  const FetchCallbacks& cb = *t->callbacks;
  if (cb.should_cancel && cb.should_cancel()) {
    t->cancelled = true;
    return 1;
  }
  if (cb.progress) {
    if (t->body_started) {
      std::uint64_t total = t->total;
      if (total == 0 && dltotal > 0) total = t->base + static_cast<std::uint64_t>(dltotal);
      cb.progress(t->base + t->written, total);
    } else {
      cb.progress(t->offset, 0);
    }
  }
  return 0;
}

enum class TransferOutcome { Done, RangeRefused, Failed };

// One HTTP GET of `url` into `fd`, asking for the bytes after `offset` when it is not 0.
TransferOutcome transfer(const FetchRequest& req, const std::string& url, int fd,
                         std::uint64_t offset, const FetchCallbacks& callbacks, Transfer* t,
                         Status* status, FetchResult* result) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    *status = Status::error(Status::Code::Internal, "cannot start libcurl");
    result->error = FetchError::Network;
    return TransferOutcome::Failed;
  }
  t->curl = curl.get();
  t->fd = fd;
  t->offset = offset;
  t->max_bytes = req.max_bytes;
  t->callbacks = &callbacks;

  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string agent = std::string("gimp-neural-style/") + NEURAL_STYLE_VERSION;
  const std::string range = std::to_string(offset) + "-";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  // Worker threads: timeouts must not rely on signals.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, req.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req.stall_timeout_s);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_bytes));
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  // Our own Range header rather than CURLOPT_RESUME_FROM: a server that ignores it answers 200,
  // and the body then simply replaces the partial file in the same request.
  if (offset > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());

  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code != 0) t->status = code;
  result->http_status = t->status;
  result->downloaded_bytes += t->written;

  if (rc == CURLE_OK && (t->status < 200 || t->status >= 300)) {
    // A redirect without a target, or another answer that carries no file.
    result->error = FetchError::Network;
    *status = Status::error(Status::Code::Internal, "the server answered HTTP " +
                                                        std::to_string(t->status) +
                                                        (t->reason.empty() ? "" : " " + t->reason) +
                                                        " for " + url + ", not the file");
    return TransferOutcome::Failed;
  }
  if (rc == CURLE_OK && !t->body_started) {
    // An empty body: the file is empty (a 206 always has a body).
    if (!start_body(t)) {
      *status = Status::error(Status::Code::Internal, url + ": " + t->failure);
      result->error = FetchError::LocalFile;
      return TransferOutcome::Failed;
    }
  }
  if (rc == CURLE_OK) return TransferOutcome::Done;

  if (rc == CURLE_HTTP_RETURNED_ERROR && t->status == 416 && offset > 0)
    return TransferOutcome::RangeRefused;
  result->error = FetchError::Network;
  std::string message;
  if (t->cancelled ||
      (rc == CURLE_ABORTED_BY_CALLBACK && callbacks.should_cancel && callbacks.should_cancel())) {
    result->error = FetchError::Cancelled;
    *status = Status::error(Status::Code::Cancelled, "download of " + url + " cancelled");
    return TransferOutcome::Failed;
  }
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    message = "the server answered HTTP " + std::to_string(t->status) +
              (t->reason.empty() ? "" : " " + t->reason) + " for " + url;
  } else if (rc == CURLE_WRITE_ERROR && !t->failure.empty()) {
    message = "download of " + url + " stopped: " + t->failure;
    result->error =
        starts_with(t->failure, "cannot write") ? FetchError::LocalFile : FetchError::Network;
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    message =
        "download of " + url + " timed out (" + (errbuf[0] ? errbuf : curl_easy_strerror(rc)) + ")";
  } else if (rc == CURLE_PARTIAL_FILE || (t->body_started && rc == CURLE_RECV_ERROR)) {
    const std::uint64_t have = t->base + t->written;
    message = "the connection to " + url + " was cut after " + megabytes(have) +
              (t->total ? " of " + megabytes(t->total) : std::string()) + "; fetch again to resume";
  } else if (rc == CURLE_FILESIZE_EXCEEDED) {
    message = "download of " + url + " refused: the file is larger than the " +
              megabytes(req.max_bytes) + " a model may have";
  } else {
    message = "download of " + url + " failed: " + (errbuf[0] ? errbuf : curl_easy_strerror(rc));
  }
  // libcurl's messages may end in a newline; ours are one line.
  message.erase(std::remove(message.begin(), message.end(), '\n'), message.end());
  *status = Status::error(Status::Code::Internal, message);
  return TransferOutcome::Failed;
}

// The partial download's name in the destination: the URL's last path segment, restricted to
// characters that are safe in a file name, plus ".part".
std::string part_name(const std::string& url, const std::string& model) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  const std::size_t scheme = path.find("://");
  if (scheme != std::string::npos) path = path.substr(scheme + 3);
  const std::size_t slash = path.find('/');
  std::string base = slash == std::string::npos ? std::string() : path.substr(path.rfind('/') + 1);
  std::string safe;
  for (char c : base)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') safe += c;
  if (safe.size() > 100) safe = safe.substr(safe.size() - 100);
  if (safe.empty() || safe[0] == '.') safe = model + ".download";
  return safe + ".part";
}

// Opens and locks the partial file, so that two fetches into one folder never write it at once.
// The lock is taken on the file that is at `path` after locking (an earlier holder may have
// removed it meanwhile).
Status open_locked(const std::string& path, Fd* fd, FetchResult* result) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    Fd f(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (f.get() < 0) {
      result->error = FetchError::BadRequest;
      return Status::error(Status::Code::InvalidArgument,
                           "cannot write " + path + " (" + errno_text(errno) + ")");
    }
    if (::flock(f.get(), LOCK_EX | LOCK_NB) != 0) {
      result->error = FetchError::Busy;
      return Status::error(Status::Code::InvalidArgument,
                           "another download is writing " + path + "; wait for it to finish");
    }
    struct stat a {
    }, b{};
    if (::fstat(f.get(), &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev) {
      fd->reset(f.release());
      return Status::success();
    }
  }
  result->error = FetchError::Busy;
  return Status::error(Status::Code::InvalidArgument, "cannot lock " + path);
}

std::string make_temp(const std::string& dir, const std::string& stem, int* err) {
  std::string tmpl = (fs::path(dir) / ("." + stem + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    *err = errno;
    return {};
  }
  ::close(fd);
  return tmpl;
}

// An installed file from the same source that still verifies: nothing to download.
bool already_installed(const std::string& path, const std::string& expected_sha) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  Checkpoint header;
  if (!read_checkpoint(
           path, [](const std::string&) { return false; }, &header)
           .ok())
    return false;
  const auto src = header.metadata.find(kMetaSourceSha);
  if (src == header.metadata.end() || !sha256_matches(expected_sha, src->second)) return false;
  std::string detail;
  return check_model_checksum(path, &detail) == ChecksumState::Verified;
}

Status fail(FetchResult* result, FetchError error, Status::Code code, const std::string& message) {
  result->error = error;
  return Status::error(code, message);
}

}  // namespace

const std::vector<KnownModel>& known_models() {
  // torchvision publishes no full hash for this file; its name carries the first 8 hex digits
  // of the SHA-256, which torch.hub checks too.
  static const std::vector<KnownModel> kModels = {
      {"vgg19", "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth", "dcbb9e9d",
       "vgg19.safetensors"},
  };
  return kModels;
}

const KnownModel* find_known_model(const std::string& name) {
  for (const KnownModel& m : known_models())
    if (name == m.name) return &m;
  return nullptr;
}

Status fetch_model(const FetchRequest& request, const FetchCallbacks& callbacks,
                   FetchResult* result) {
  *result = FetchResult{};
  const KnownModel* known = find_known_model(request.name);
  if (!known) {
    std::string names;
    for (const KnownModel& m : known_models())
      names += (names.empty() ? "" : ", ") + std::string(m.name);
    return fail(result, FetchError::BadRequest, Status::Code::InvalidArgument,
                "unknown model \"" + request.name + "\" (known: " + names + ")");
  }
  const std::string url = request.url.empty() ? known->url : request.url;
  const std::string lurl = lower(url);
  if (!starts_with(lurl, "http://") && !starts_with(lurl, "https://"))
    return fail(result, FetchError::BadRequest, Status::Code::InvalidArgument,
                "the URL " + url + " is not an http:// or https:// address");
  const std::string expected = lower(request.sha256.empty() ? known->sha256 : request.sha256);
  if (expected.size() < 8 || expected.size() > 64 || !is_hex(expected))
    return fail(
        result, FetchError::BadRequest, Status::Code::InvalidArgument,
        "the SHA-256 \"" + expected + "\" is not 64 hexadecimal digits or a prefix of at least 8");
  const std::string dest = request.dest_dir.empty() ? user_models_dir() : request.dest_dir;
  if (dest.empty())
    return fail(result, FetchError::BadRequest, Status::Code::InvalidArgument,
                "no destination folder: set HOME or XDG_DATA_HOME, or give one");
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec || !fs::is_directory(dest, ec))
    return fail(result, FetchError::BadRequest, Status::Code::InvalidArgument,
                "cannot create the folder " + dest + (ec ? " (" + ec.message() + ")" : ""));
  if (!curl_ready())
    return fail(result, FetchError::Network, Status::Code::Internal, "cannot start libcurl");

  const std::string final_path = (fs::path(dest) / known->file_name).string();
  if (already_installed(final_path, expected)) {
    result->installed_path = final_path;
    result->already_installed = true;
    result->installed_bytes = fs::file_size(final_path, ec);
    return Status::success();
  }

  const std::string part = (fs::path(dest) / part_name(url, known->name)).string();
  result->part_path = part;
  Fd fd;
  if (Status st = open_locked(part, &fd, result); !st.ok()) return st;

  // From here on, the partial file stays only when a later fetch can resume from it.
  RemoveOnExit remove_part(part);
  struct stat st {};
  std::uint64_t offset = ::fstat(fd.get(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  if (callbacks.on_stage) callbacks.on_stage(FetchStage::Downloading);

  bool downloaded = false;
  for (int attempt = 0; attempt < 2 && !downloaded; ++attempt) {
    Transfer t;
    Status status;
    const TransferOutcome outcome =
        transfer(request, url, fd.get(), offset, callbacks, &t, &status, result);
    if (outcome == TransferOutcome::Done) {
      result->resumed_from = t.base;
      downloaded = true;
    } else if (outcome == TransferOutcome::RangeRefused) {
      // The server has no bytes after ours: either the partial file is already complete, or it
      // is of another file. The checksum tells; otherwise start again from the first byte.
      std::string hex;
      if (sha256_file(part, &hex).ok() && sha256_matches(expected, hex)) {
        result->resumed_from = offset;
        downloaded = true;
      } else {
        offset = 0;
      }
    } else {
      if (::fstat(fd.get(), &st) == 0 && st.st_size > 0 &&
          (result->error == FetchError::Network || result->error == FetchError::LocalFile ||
           result->error == FetchError::Cancelled))
        remove_part.release();  // kept for resuming
      return status;
    }
  }
  if (!downloaded)
    return fail(result, FetchError::Network, Status::Code::Internal,
                "the server refused the byte range for " + url + " twice");

  if (callbacks.on_stage) callbacks.on_stage(FetchStage::Verifying);
  std::string actual;
  if (Status hs = sha256_file(part, &actual, callbacks.should_cancel); !hs.ok()) {
    if (hs.code == Status::Code::Cancelled) {
      remove_part.release();
      return fail(result, FetchError::Cancelled, Status::Code::Cancelled,
                  "download of " + url + " cancelled");
    }
    return fail(result, FetchError::LocalFile, Status::Code::Internal, hs.message);
  }
  result->source_sha256 = actual;
  if (!sha256_matches(expected, actual))
    return fail(result, FetchError::Checksum, Status::Code::ModelError,
                "checksum mismatch for " + url + ": expected SHA-256 " + expected + "…, got " +
                    actual + "; the download was deleted");

  ModelReport report;
  if (Status vs = verify_model(part, &report); !vs.ok())
    return fail(result, FetchError::BadModel, Status::Code::ModelError,
                "the download from " + url + " is not a usable VGG-19 checkpoint: " + vs.message);

  if (callbacks.on_stage) callbacks.on_stage(FetchStage::Converting);
  int err = 0;
  const std::string converted = make_temp(dest, std::string(known->file_name) + ".convert", &err);
  if (converted.empty())
    return fail(result, FetchError::LocalFile, Status::Code::Internal,
                "cannot write in " + dest + " (" + errno_text(err) + ")");
  RemoveOnExit remove_converted(converted);
  if (Status cs = convert_to_features_file(part, converted,
                                           {{kMetaSourceUrl, url}, {kMetaSourceSha, actual}});
      !cs.ok())
    return fail(result, FetchError::BadModel, Status::Code::ModelError,
                "cannot convert the download from " + url + ": " + cs.message);

  // Record a digest of the tensors themselves, so that `models list` can tell later whether
  // the installed file is still what was verified here.
  Checkpoint features;
  if (Status rs = read_checkpoint(converted, {}, &features); !rs.ok())
    return fail(result, FetchError::BadModel, Status::Code::ModelError,
                "the converted file cannot be read back: " + rs.message);
  std::map<std::string, std::string> metadata = features.metadata;
  metadata[kMetaSourceUrl] = url;
  metadata[kMetaSourceSha] = actual;
  metadata[kMetaFeaturesSha] = features_sha256(features);
  const std::string staged = make_temp(dest, std::string(known->file_name) + ".new", &err);
  if (staged.empty())
    return fail(result, FetchError::LocalFile, Status::Code::Internal,
                "cannot write in " + dest + " (" + errno_text(err) + ")");
  RemoveOnExit remove_staged(staged);
  if (Status ws = write_safetensors_file(staged, features.tensors, metadata); !ws.ok())
    return fail(result, FetchError::LocalFile, Status::Code::Internal, ws.message);
  features = Checkpoint{};  // the tensors are on disk now; free their memory
  {
    Fd sync(::open(staged.c_str(), O_RDONLY | O_CLOEXEC));
    if (sync.get() < 0 || ::fsync(sync.get()) != 0)
      return fail(result, FetchError::LocalFile, Status::Code::Internal,
                  "cannot write " + staged + " (" + errno_text(errno) + ")");
  }
  if (::rename(staged.c_str(), final_path.c_str()) != 0)
    return fail(result, FetchError::LocalFile, Status::Code::Internal,
                "cannot install " + final_path + " (" + errno_text(errno) + ")");
  remove_staged.release();
  result->installed_path = final_path;
  result->installed_bytes = fs::file_size(final_path, ec);
  return Status::success();  // the partial download and the conversion are removed on return
}

}  // namespace neural_style
