// neural-style: the engine on the command line.
#include <signal.h>
#include <unistd.h>

#include <limits.h>
#include <stdlib.h>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "image_io.h"
#include "models_command.h"
#include "neural_style/model_store.h"
#include "neural_style/neural_style.h"
#include "options.h"
#include "progress_bar.h"

namespace ns = neural_style;
namespace cli = neural_style::cli;

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) {
  g_interrupted.store(true);
}

int fail(int code, const std::string& message) {
  std::cerr << "neural-style: error: " << message << "\n";
  return code;
}

int exit_code_for(ns::Status::Code code) {
  switch (code) {
    case ns::Status::Code::Ok: return cli::kExitOk;
    case ns::Status::Code::Cancelled: return cli::kExitInterrupted;
    case ns::Status::Code::InvalidArgument:
    case ns::Status::Code::ModelError: return cli::kExitUsage;
    case ns::Status::Code::OutOfMemory: return cli::kExitOutOfMemory;
    case ns::Status::Code::NumericError: return cli::kExitNumeric;
    default: return cli::kExitFailure;
  }
}

bool same_file(const std::string& a, const std::string& b) {
  char ra[PATH_MAX], rb[PATH_MAX];
  if (!realpath(a.c_str(), ra) || !realpath(b.c_str(), rb)) return false;
  return std::string(ra) == rb;
}

// Blocks SIGINT and SIGTERM while the output is written, so that an interruption cannot leave a
// half-written file: it is acted on once the file is complete.
class SignalBlock {
 public:
  SignalBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalBlock() { sigprocmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

}  // namespace

int main(int argc, char** argv) {
  // `neural-style models list|verify|fetch` has flags of its own.
  if (argc > 1 && std::string(argv[1]) == "models") return cli::run_models_command(argc, argv);
  cli::Options opt;
  std::string message;
  switch (cli::parse_options(argc, argv, &opt, &message)) {
    case cli::ParseOutcome::Help: std::cout << message; return cli::kExitOk;
    case cli::ParseOutcome::Version: std::cout << ns::version_string() << "\n"; return cli::kExitOk;
    case cli::ParseOutcome::Error: return fail(cli::kExitUsage, message + " (see --help)");
    case cli::ParseOutcome::Run: break;
  }

  // Test hook: the test suites run the CLI on a narrowed random network to stay fast.
  if (const char* d = std::getenv("NEURAL_STYLE_TEST_WIDTH_DIVISOR"))
    opt.params.random_width_divisor = std::max(1, std::atoi(d));

  opt.params.weights_file = ns::resolve_weights_file(opt.params.weights_file);

  bool output_is_input = same_file(opt.output, opt.content) ||
                         (!opt.init_file.empty() && same_file(opt.output, opt.init_file));
  for (const auto& s : opt.styles) output_is_input = output_is_input || same_file(opt.output, s);
  for (const auto& m : opt.style_masks)
    output_is_input = output_is_input || same_file(opt.output, m);
  for (const auto& m : opt.style_source_masks)
    output_is_input = output_is_input || same_file(opt.output, m);
  if (output_is_input)
    return fail(cli::kExitUsage, "--output " + opt.output + " is one of the input files");

  cli::ImageFile content, init;
  std::vector<ns::Image> styles;
  std::string error;
  if (!cli::read_image(opt.content, &content, &error)) return fail(cli::kExitUsage, error);
  for (const auto& file : opt.styles) {
    cli::ImageFile style;
    if (!cli::read_image(file, &style, &error)) return fail(cli::kExitUsage, error);
    styles.push_back(std::move(style.rgb));
  }
  // A mask file, "-" or "" for none. A grey image's three channels are equal; a colour one
  // counts by its mean.
  auto read_mask = [&error](const std::string& file, ns::Mask* mask) {
    if (file.empty() || file == "-") return true;
    cli::ImageFile image;
    if (!cli::read_image(file, &image, &error)) return false;
    mask->width = image.rgb.width;
    mask->height = image.rgb.height;
    mask->values.resize(image.rgb.pixel_count());
    for (std::size_t i = 0; i < mask->values.size(); ++i)
      mask->values[i] =
          (image.rgb.rgb[3 * i] + image.rgb.rgb[3 * i + 1] + image.rgb.rgb[3 * i + 2]) / 3.0f;
    return true;
  };
  for (const auto& file : opt.style_masks) {
    ns::Mask mask;
    if (!read_mask(file, &mask)) return fail(cli::kExitUsage, "--style-mask " + error);
    opt.params.style_regions.push_back(std::move(mask));
  }
  for (const auto& file : opt.style_source_masks) {
    ns::Mask mask;
    if (!read_mask(file, &mask)) return fail(cli::kExitUsage, "--style-source-mask " + error);
    opt.params.style_source_masks.push_back(std::move(mask));
  }
  if (!opt.init_file.empty()) {
    if (!cli::read_image(opt.init_file, &init, &error)) return fail(cli::kExitUsage, error);
    opt.params.init_image = std::move(init.rgb);
  }
  // Fail on an unwritable destination now rather than after a long run.
  if (!cli::can_write_image(opt.output, &error)) return fail(cli::kExitUsage, "--output " + error);

  std::ofstream log;
  if (!opt.log_json.empty()) {
    log.open(opt.log_json, std::ios::trunc);
    if (!log) return fail(cli::kExitUsage, "cannot write --log-json " + opt.log_json);
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  const bool tty = isatty(STDERR_FILENO) && !opt.quiet;
  ns::Callbacks callbacks;
  callbacks.should_cancel = [] { return g_interrupted.load(); };
  callbacks.on_warning = [](const std::string& w) {
    std::cerr << "neural-style: warning: " << w << "\n";
  };
  callbacks.on_progress = [&](const ns::Progress& p) {
    if (log.is_open()) {
      nlohmann::json j = {{"iteration", p.iteration},
                          {"scale", p.scale},
                          {"width", p.width},
                          {"height", p.height},
                          {"content_loss", p.content_loss},
                          {"style_loss", p.style_loss},
                          {"style_losses", p.style_losses},
                          {"tv_loss", p.tv_loss},
                          {"total_loss", p.total_loss},
                          {"elapsed_seconds", p.elapsed_seconds},
                          {"tile", p.tile},
                          {"tiles", p.tiles},
                          {"effective_content_weight", p.effective_content_weight},
                          {"effective_style_weights", p.effective_style_weights},
                          {"effective_tv_weight", p.effective_tv_weight}};
      log << j.dump() << "\n" << std::flush;
    }
    if (tty) std::cerr << "\r" << cli::progress_line(p, 30) << "\033[K" << std::flush;
  };

  ns::Image result;
  ns::RunInfo info;
  const ns::Status status = ns::run(content.rgb, styles, opt.params, callbacks, &result, &info);
  if (tty) std::cerr << "\n";
  if (!status.ok()) {
    if (status.code == ns::Status::Code::Cancelled)
      return fail(cli::kExitInterrupted, "interrupted; no output written");
    return fail(exit_code_for(status.code), status.message);
  }

  cli::ImageFile out;
  out.rgb = std::move(result);
  out.alpha = std::move(content.alpha);
  out.bits = content.bits;
  {
    SignalBlock block;
    if (g_interrupted.load()) return fail(cli::kExitInterrupted, "interrupted; no output written");
    if (!cli::write_image(opt.output, out, &error)) return fail(cli::kExitFailure, error);
  }
  if (!opt.quiet)
    std::cerr << "neural-style: " << info.processed_width << "x" << info.processed_height << " on "
              << info.device << " (" << info.threads << " threads), weights " << info.weights
              << ", " << cli::format_duration(info.seconds) << "\n";
  std::cout << opt.output << "\n";
  return cli::kExitOk;
}
