// Runs the neural-style binary for the CLI tests (cli_test, models_test, faults_test) and
// captures what it prints. Each test gives its own binary, environment and scratch folder; the
// child's stdout and stderr go to files there rather than pipes, so that a chatty child can
// never block on a full pipe while the test waits for it.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "../core/test_images.h"
#include "image_io.h"

namespace cli_runner {

struct Outcome {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  long peak_rss_kib = 0;  // the child's peak resident set
};

struct Launch {
  std::string binary;
  std::vector<std::string> args;
  // Where the captured output is written (.stdout, .stderr); removed once read.
  std::string scratch;
  // Set in the child only, so that a test never changes its own environment.
  std::vector<std::pair<std::string, std::string>> env;
  // Runs in the child before exec; returning false ends it with status 126 (as a shell does
  // for a command it cannot run), e.g. when dropping privileges failed.
  std::function<bool()> in_child;
  // Runs in the test while the child runs, e.g. to signal it; the child is reaped after.
  std::function<void(pid_t)> while_running;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The names in a folder, sorted, without "." and "..": what a run left behind.
inline std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
        names.push_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The small content.png and style.png that the runs style, written into `dir`; false (and the
// test fails, saying why) when either cannot be written.
inline bool write_test_inputs(const std::string& dir) {
  neural_style::cli::ImageFile c, s;
  c.rgb = test_images::content(48, 40);
  s.rgb = test_images::style(40, 40);
  std::string e;
  const bool content_ok = neural_style::cli::write_image(dir + "/content.png", c, &e);
  EXPECT_TRUE(content_ok) << e;
  const bool style_ok = neural_style::cli::write_image(dir + "/style.png", s, &e);
  EXPECT_TRUE(style_ok) << e;
  return content_ok && style_ok;
}

// The binary meson test names in NEURAL_STYLE_CLI; empty (and the test fails) without it.
inline std::string built_cli() {
  const char* bin = std::getenv("NEURAL_STYLE_CLI");
  if (!bin) {
    ADD_FAILURE() << "NEURAL_STYLE_CLI is not set (run through meson test)";
    return {};
  }
  return bin;
}

inline Outcome run(Launch launch) {
  if (launch.binary.empty()) return {};
  const std::string out_path = launch.scratch + "/.stdout";
  const std::string err_path = launch.scratch + "/.stderr";
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    if (launch.in_child && !launch.in_child()) _exit(126);
    for (const auto& [name, value] : launch.env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(launch.binary.data());
    for (auto& a : launch.args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(launch.binary.c_str(), argv.data());
    _exit(127);
  }
  if (launch.while_running) launch.while_running(pid);
  int st = 0;
  rusage ru{};
  wait4(pid, &st, 0, &ru);
  Outcome r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  r.peak_rss_kib = ru.ru_maxrss;
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return r;
}

}  // namespace cli_runner
