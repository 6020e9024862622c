#include "models_command.h"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "config.h"
#include "neural_style/model_files.h"
#include "neural_style/model_store.h"
#ifdef NEURAL_STYLE_HAVE_FETCH
#include "neural_style/model_fetch.h"
#endif
#include "options.h"
#include "progress_bar.h"

namespace neural_style::cli {

namespace {

#ifdef NEURAL_STYLE_HAVE_FETCH
std::atomic<bool> g_interrupted{false};

extern "C" void on_models_signal(int) {
  g_interrupted.store(true);
}
#endif

int fail(int code, const std::string& message) {
  std::cerr << "neural-style: error: " << message << "\n";
  return code;
}

// "conv3_2" for the n-th convolution (1-based), from the ReLU tap names.
std::string conv_name(int n) {
  const auto& taps = layer_names();
  if (n < 1 || n > static_cast<int>(taps.size())) return "?";
  return "conv" + taps[static_cast<std::size_t>(n - 1)].substr(4);
}

// What each search folder is, for the listing.
std::string folder_label(const std::string& dir, std::size_t index) {
  if (std::getenv("NEURAL_STYLE_MODEL_PATH")) return "$NEURAL_STYLE_MODEL_PATH";
  if (index == 0 && std::getenv("NEURAL_STYLE_MODELS") && *std::getenv("NEURAL_STYLE_MODELS"))
    return "$NEURAL_STYLE_MODELS";
  if (dir == user_models_dir()) return "user folder, where models fetch installs";
  if (dir == std::string(NEURAL_STYLE_DATADIR) + "/models") return "installed with the program";
  if (std::filesystem::path(dir).filename() == "models" &&
      std::filesystem::path(dir).parent_path().filename() == "gimp-neural-style")
    return "installed with the program, found from its location";
#ifdef NEURAL_STYLE_SOURCE_MODELS_DIR
  if (dir == NEURAL_STYLE_SOURCE_MODELS_DIR) return "the source tree, for a build not installed";
#endif
  return "";
}

// "conv1_1 to conv3_4, bundled ImageNet layers": what a file holds, for the listing.
std::string contents_text(const ModelFileEntry& e) {
  if (e.conv_count <= 0) return {};
  std::string text = "conv1_1 to " + conv_name(e.conv_count);
  if (e.conv_count < static_cast<int>(layer_names().size())) text += " (partial: shallow layers)";
  if (e.bundled) text += ", the bundled ImageNet network";
  return text;
}

int list_command() {
  const std::vector<std::string> dirs = model_search_dirs();
  const std::vector<ModelFileEntry> entries = list_model_files();
  std::cout << "Model folders in search order (a run without --weights uses the first "
               "vgg19* file; the bundled partial network only when there is no other):\n";
  bool any = false;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    const std::string label = folder_label(dirs[i], i);
    std::cout << i + 1 << ". " << dirs[i] << (label.empty() ? "" : "  (" + label + ")") << "\n";
    bool here = false;
    for (const ModelFileEntry& e : entries) {
      if (e.dir != dirs[i]) continue;
      here = any = true;
      const std::string name = e.path.substr(e.path.find_last_of('/') + 1);
      char line[512];
      std::snprintf(line, sizeof line, "   %-28s  %-12s %10s  %-10s", name.c_str(),
                    model_format_name(e.format), format_size(e.bytes).c_str(),
                    checksum_state_name(e.checksum));
      std::cout << line << (e.default_choice ? "  <- used by default" : "") << "\n";
      if (const std::string contents = contents_text(e); !contents.empty())
        std::cout << "      " << contents << "\n";
      for (const char* key : {kMetaSourceUrl, "source", "license"}) {
        const auto it = e.metadata.find(key);
        if (it == e.metadata.end() || (key != kMetaSourceUrl && !e.bundled)) continue;
        std::cout << "      " << (key == kMetaSourceUrl ? "source" : key) << ": " << it->second
                  << "\n";
        if (key == kMetaSourceUrl) break;  // a download's own file name is not worth repeating
      }
      if (!e.detail.empty()) std::cout << "      " << e.detail << "\n";
    }
    if (!here) {
      std::error_code ec;
      std::cout << "   "
                << (std::filesystem::is_directory(dirs[i], ec) ? "(no model files)"
                                                               : "(no such folder)")
                << "\n";
    }
  }
  if (!any)
    std::cout << "No model files: runs use a random network. Get the real weights with "
                 "`neural-style models fetch vgg19`.\n";
  return kExitOk;
}

int verify_command(const std::string& path) {
  ModelReport report;
  const Status st = verify_model(path, &report);
  if (!st.ok()) return fail(kExitUsage, st.message);
  std::string detail;
  const ChecksumState sum = check_model_checksum(path, &detail);
  if (sum == ChecksumState::Mismatch || sum == ChecksumState::Unreadable)
    return fail(kExitUsage, detail);
  std::cout << path << ": OK, " << model_format_name(report.format) << ", "
            << format_size(report.file_bytes) << ", " << report.conv_count
            << " of 16 VGG-19 convolutions (conv1_1 to " << conv_name(report.conv_count) << "), "
            << (report.caffe_convention ? "Caffe" : "torchvision") << " input convention";
  if (!report.skipped.empty()) std::cout << ", unused tensors skipped: " << report.skipped.size();
  std::cout << ", checksum " << checksum_state_name(sum) << "\n";
  return kExitOk;
}

#ifdef NEURAL_STYLE_HAVE_FETCH
int fetch_command(FetchRequest request, bool quiet) {
  struct sigaction sa {};
  sa.sa_handler = on_models_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const KnownModel* known = find_known_model(request.name);
  const std::string url = request.url.empty() && known ? known->url : request.url;
  const std::string dest = request.dest_dir.empty() ? user_models_dir() : request.dest_dir;

  const bool tty = isatty(STDERR_FILENO) && !quiet;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  Clock::time_point last_draw{};
  std::uint64_t last_drawn = ~std::uint64_t{0};
  std::uint64_t first_bytes = 0;
  bool have_first = false;
  FetchCallbacks callbacks;
  callbacks.should_cancel = [] { return g_interrupted.load(); };
  if (tty) {
    callbacks.progress = [&](std::uint64_t bytes, std::uint64_t total) {
      const Clock::time_point now = Clock::now();
      if (!have_first) {
        first_bytes = bytes;  // what an earlier attempt left does not count for the speed
        have_first = true;
      }
      // At most ten redraws a second, but the last bytes always, once.
      const bool final = bytes == total && bytes != last_drawn;
      if (now - last_draw < std::chrono::milliseconds(100) && !final) return;
      if (bytes == last_drawn && now - last_draw < std::chrono::seconds(1)) return;
      last_draw = now;
      last_drawn = bytes;
      const double seconds = std::chrono::duration<double>(now - start).count();
      const double rate =
          seconds > 0.5 && bytes > first_bytes ? (bytes - first_bytes) / seconds : 0;
      std::cerr << "\r" << download_progress_line(bytes, total, rate, 30) << "\033[K" << std::flush;
    };
  }
  // Printed once the request is found valid, so that a refused one stays a single line.
  callbacks.on_stage = [&, url, dest](FetchStage stage) {
    if (stage == FetchStage::Downloading && !quiet)
      std::cerr << "neural-style: fetching " << url << " into " << dest << "\n";
    else if (stage == FetchStage::Verifying && tty)
      std::cerr << "\rchecking the SHA-256\033[K" << std::flush;
    else if (stage == FetchStage::Converting && tty)
      std::cerr << "\rconverting to the features-only file\033[K" << std::flush;
  };

  FetchResult result;
  const Status st = fetch_model(request, callbacks, &result);
  if (tty) std::cerr << "\r\033[K" << std::flush;
  if (!st.ok()) {
    switch (result.error) {
      case FetchError::Cancelled:
        return fail(kExitInterrupted,
                    "interrupted" + (result.part_path.empty()
                                         ? std::string()
                                         : "; fetch again to resume from " + result.part_path));
      case FetchError::BadRequest:
      case FetchError::Checksum:
      case FetchError::BadModel: return fail(kExitUsage, st.message);
      default: return fail(kExitFailure, st.message);
    }
  }
  if (!quiet) {
    if (result.already_installed)
      std::cerr << "neural-style: " << request.name
                << " is already installed and verified; nothing downloaded\n";
    else
      std::cerr << "neural-style: SHA-256 " << result.source_sha256 << " verified"
                << (result.resumed_from ? ", resumed at " + format_size(result.resumed_from)
                                        : std::string())
                << "; installed " << format_size(result.installed_bytes)
                << " (convolutional layers only)\n";
  }
  std::cout << result.installed_path << "\n";
  return kExitOk;
}

#endif  // NEURAL_STYLE_HAVE_FETCH

}  // namespace

std::string format_size(std::uint64_t bytes) {
  char buf[32];
  if (bytes < 1000)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < 1000 * 1000)
    std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(bytes) / 1e3);
  else if (bytes < 1000ull * 1000 * 1000)
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
  return buf;
}

std::string download_progress_line(std::uint64_t bytes, std::uint64_t total, double rate,
                                   int width) {
  std::string bar(static_cast<std::size_t>(width), ' ');
  std::string percent = "   ?";
  if (total > 0) {
    const double frac = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total));
    for (int i = 0; i < static_cast<int>(frac * width); ++i) bar[static_cast<std::size_t>(i)] = '#';
    percent = std::to_string(static_cast<int>(frac * 100));
    percent = std::string(percent.size() < 3 ? 3 - percent.size() : 0, ' ') + percent + "%";
  }
  std::string line = "[" + bar + "] " + percent + "  " + format_size(bytes);
  if (total > 0) line += " / " + format_size(total);
  if (rate > 0) {
    line += "  " + format_size(static_cast<std::uint64_t>(rate)) + "/s";
    if (total > bytes)
      line += "  ETA " + format_duration(static_cast<double>(total - bytes) / rate);
  }
  return line;
}

int run_models_command(int argc, char** argv) {
  CLI::App app{"The pretrained models: what is installed, checking a file, downloading VGG-19.",
               "neural-style models"};
  app.require_subcommand(1);
  app.add_subcommand("list",
                     "List the model files in the search folders, with format, size and "
                     "checksum state");
  CLI::App* verify = app.add_subcommand(
      "verify", "Check a model file: format, exact VGG-19 shapes, finite values, checksum");
  std::string verify_path;
  verify->add_option("FILE", verify_path, "The model file")->required();

  CLI::App* fetch =
      app.add_subcommand("fetch",
                         "Download pretrained weights, check their SHA-256 and install the "
                         "convolutional layers into the user's model folder");
#ifdef NEURAL_STYLE_HAVE_FETCH
  FetchRequest request;
  std::vector<std::string> names;
  for (const KnownModel& m : known_models()) names.push_back(m.name);
  fetch->add_option("MODEL", request.name, "The model to download")
      ->required()
      ->check(CLI::IsMember(names));
  fetch->add_option("--url", request.url,
                    "Where to download from (default: torchvision's official file)");
  fetch->add_option("--sha256", request.sha256,
                    "Expected SHA-256: 64 hex digits, or a prefix of at least 8 (default: "
                    "the prefix in torchvision's file name)");
  fetch->add_option("--dest", request.dest_dir,
                    "Folder to install into (default: " + user_models_dir() + ")");
  bool quiet = false;
  fetch->add_flag("--quiet,-q", quiet, "Print only the installed file's path");
#else
  // Accepted and refused with one line, so that scripts learn why.
  fetch->allow_extras();
#endif

  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    return fail(kExitUsage, std::string(e.what()) + " (see neural-style models --help)");
  }

  if (*verify) return verify_command(verify_path);
#ifdef NEURAL_STYLE_HAVE_FETCH
  if (*fetch) return fetch_command(request, quiet);
#else
  if (*fetch)
    return fail(kExitUsage,
                "this neural-style was built without the download (libcurl); put a "
                "VGG-19 file (torchvision's vgg19-dcbb9e9d.pth or a safetensors "
                "file) into " +
                    user_models_dir() + " instead");
#endif
  return list_command();
}

}  // namespace neural_style::cli
