// Downloading pretrained weights into the model store: the one part of the model library that
// links libcurl (models/meson.build builds it as a library of its own, optional).
//
// fetch_model() downloads with libcurl into a `.part` file in the destination folder (resumed
// with an HTTP Range request when an earlier attempt left one), checks the SHA-256 of the whole
// file, converts it to the compact features-only safetensors file and installs that with a
// rename, so that the model search never sees a half-written model. A checksum mismatch or a
// file that is not a VGG-19 checkpoint leaves nothing behind; a network failure or a cancel
// keeps the `.part` for the next attempt.
//
// Torch-free and curl-free (the implementation links libcurl, the header does not),
// so that the plug-ins' dialogs can include it. Every call owns its own handles: fetch_model()
// may run on a worker thread, and two fetches into the same folder exclude each other with a
// lock on the `.part` file instead of corrupting it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "neural_style/model_store.h"
#include "neural_style/status.h"

namespace neural_style {

// A model fetch_model() knows by name.
struct KnownModel {
  const char* name;       // "vgg19"
  const char* url;        // torchvision's published checkpoint
  const char* sha256;     // the full hash where pinned, else the prefix in the file's name
  const char* file_name;  // what is installed: "vgg19.safetensors"
};
const std::vector<KnownModel>& known_models();
const KnownModel* find_known_model(const std::string& name);  // nullptr when unknown

struct FetchRequest {
  std::string name = "vgg19";
  std::string url;       // "" = the known model's URL
  std::string sha256;    // 64 hex digits, or a prefix of at least 8; "" = the known model's
  std::string dest_dir;  // "" = user_models_dir(); created when missing
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;                         // gives up when no byte arrives for this long
  std::uint64_t max_bytes = std::uint64_t{4} << 30;  // refuses larger downloads
};

enum class FetchStage { Downloading, Verifying, Converting };

struct FetchCallbacks {
  // Bytes of the file present so far (including what an earlier attempt left) and its total
  // size, 0 while unknown. Called on the fetching thread, often: keep it cheap.
  std::function<void(std::uint64_t bytes, std::uint64_t total)> progress;
  std::function<void(FetchStage stage)> on_stage;  // fetching thread too
  // Polled at least once a second on the fetching thread, also while the network is silent.
  std::function<bool()> should_cancel;
};

// What went wrong, for callers that map failures to their own codes (the CLI's exit status).
enum class FetchError {
  None,
  BadRequest,  // unknown model, malformed checksum or URL, destination not usable
  Network,     // connection, timeout, HTTP error status, transfer cut
  Checksum,    // the download's SHA-256 does not match: deleted
  BadModel,    // the download is not a usable VGG-19 checkpoint: deleted
  LocalFile,   // writing in the destination failed (disk full, permissions)
  Busy,        // another fetch is writing the same `.part`
  Cancelled,
};

struct FetchResult {
  std::string installed_path;      // set on success
  std::string part_path;           // the partial download; kept after Network/LocalFile/Cancelled
  std::string source_sha256;       // the full SHA-256 of the downloaded file
  std::uint64_t resumed_from = 0;  // bytes an earlier attempt had left and that were kept
  std::uint64_t downloaded_bytes = 0;  // bytes received by this call
  std::uint64_t installed_bytes = 0;
  bool already_installed = false;  // an identical verified file was there: nothing downloaded
  long http_status = 0;            // the last HTTP status seen, 0 = none
  FetchError error = FetchError::None;
};

// Downloads, verifies, converts and installs `request`'s model. Status codes: InvalidArgument
// (BadRequest, Busy), ModelError (Checksum, BadModel), Cancelled, Internal (Network, LocalFile);
// the message is one line naming the URL or file and the problem.
Status fetch_model(const FetchRequest& request, const FetchCallbacks& callbacks,
                   FetchResult* result);

}  // namespace neural_style
