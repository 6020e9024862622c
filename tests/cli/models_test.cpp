// `neural-style models list|verify|fetch` end to end, against a local HTTP server
// (tools/test_http_server.py on 127.0.0.1) that serves a small VGG-19 checkpoint generated here,
// and can cut, stall or ignore byte ranges. No network access is needed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <fcntl.h>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "cli_runner.h"
#include "image_io.h"
#include "models_command.h"
#include "neural_style/model_fetch.h"
#include "neural_style/model_files.h"

namespace ns = neural_style;
namespace cli = neural_style::cli;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

using cli_runner::Outcome;
using cli_runner::slurp;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

using cli_runner::entries;

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// SHA-256 from coreutils, independent of the code under test.
std::string sha256sum(const std::string& path) {
  std::string out;
  if (FILE* p = popen(("sha256sum '" + path + "'").c_str(), "r")) {
    char buf[128];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  return out.substr(0, 64);
}

class Workdir {
 public:
  Workdir() {
    const std::string root = env_or("NEURAL_STYLE_TEST_TMP", "/tmp");
    mkdir(root.c_str(), 0755);
    std::string tmpl = root + "/models-XXXXXX";
    path_ = mkdtemp(tmpl.data());
    for (const char* d : {"served", "models", "xdg", "home"}) mkdir(file(d).c_str(), 0755);
  }
  ~Workdir() { std::system(("chmod -R u+w '" + path_ + "'; rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string user_models() const { return file("xdg/neural-style/models"); }

 private:
  std::string path_;
};

// A VGG-19 prefix with torchvision's names and exact shapes: conv1_1 … conv3_2 (what the
// shallow layer set needs), He-initialised so that a run on it behaves, plus a classifier
// tensor that a full checkpoint would carry and the installed file must drop.
std::map<std::string, ns::FloatTensor> vgg19_prefix(unsigned seed) {
  struct Conv {
    int index, in, out;
  };
  const Conv convs[] = {{0, 3, 64},    {2, 64, 64},    {5, 64, 128},
                        {7, 128, 128}, {10, 128, 256}, {12, 256, 256}};
  std::mt19937 rng(seed);
  std::map<std::string, ns::FloatTensor> t;
  for (const Conv& c : convs) {
    std::normal_distribution<float> w(0.f, std::sqrt(2.f / (9.f * c.in)));
    ns::FloatTensor weight{{c.out, c.in, 3, 3}, {}};
    weight.values.resize(static_cast<std::size_t>(c.out) * c.in * 9);
    for (float& v : weight.values) v = w(rng);
    ns::FloatTensor bias{{c.out}, std::vector<float>(static_cast<std::size_t>(c.out), 0.01f)};
    t["features." + std::to_string(c.index) + ".weight"] = std::move(weight);
    t["features." + std::to_string(c.index) + ".bias"] = std::move(bias);
  }
  t["classifier.6.bias"] = ns::FloatTensor{{1000}, std::vector<float>(1000, 0.f)};
  return t;
}

// The served checkpoint and its SHA-256.
struct Served {
  std::string name;
  std::string path;
  std::string sha256;
  std::uint64_t bytes = 0;
};

Served make_checkpoint(const Workdir& w, unsigned seed = 1) {
  Served s;
  s.name = "vgg19-test.safetensors";
  s.path = w.file("served/" + s.name);
  const ns::Status st = ns::write_safetensors_file(s.path, vgg19_prefix(seed), {});
  EXPECT_TRUE(st.ok()) << st.message;
  s.sha256 = sha256sum(s.path);
  s.bytes = file_size(s.path);
  EXPECT_EQ(s.sha256.size(), 64u);
  return s;
}

// tools/test_http_server.py in a child process, stopped when this goes out of scope.
class Server {
 public:
  Server(const Workdir& w, std::vector<std::string> extra = {}) : log_(w.file("requests.log")) {
    std::remove(log_.c_str());
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      std::vector<std::string> args = {
          "/usr/bin/python3",
          env_or("NEURAL_STYLE_HTTP_SERVER", "tools/test_http_server.py"),
          "--root",
          w.file("served"),
          "--log",
          log_};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[64] = {0};
    if (out && std::fgets(line, sizeof line, out)) port_ = std::atoi(line);
    if (out) std::fclose(out);
  }
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }
  bool running() const { return port_ > 0; }
  // Each request the server has seen: {"method", "path", "range"}.
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> r;
    for (const std::string& l : lines_of(slurp(log_)))
      if (!l.empty()) r.push_back(nlohmann::json::parse(l));
    return r;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Runs the built neural-style with the test's folders first in the model search (the real
// search order, as a user has it: $NEURAL_STYLE_MODELS, then the user folder), so that what a
// test installs there comes before anything installed system-wide or bundled. With `interrupt_when`, SIGINT is sent once it holds (or
// after 20 s).
Outcome run_cli(const Workdir& w, std::vector<std::string> args,
                const std::function<bool()>& interrupt_when = {}) {
  cli_runner::Launch launch;
  launch.binary = cli_runner::built_cli();
  launch.args = std::move(args);
  launch.scratch = w.path();
  launch.env = {{"NEURAL_STYLE_MODELS", w.file("models")},
                {"XDG_DATA_HOME", w.file("xdg")},
                {"HOME", w.file("home")},
                {"NEURAL_STYLE_TEST_WIDTH_DIVISOR", "8"}};
  if (interrupt_when)
    launch.while_running = [&interrupt_when](pid_t pid) {
      for (int i = 0; i < 400 && !interrupt_when(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      kill(pid, SIGINT);
    };
  return cli_runner::run(std::move(launch));
}

// The same command in this process (no LibTorch start-up, so it is fast), with the test's
// folders as the model search path for its duration.
Outcome run_models(const Workdir& w, std::vector<std::string> args) {
  const std::map<std::string, std::string> env = {{"NEURAL_STYLE_MODELS", w.file("models")},
                                                  {"XDG_DATA_HOME", w.file("xdg")},
                                                  {"HOME", w.file("home")}};
  std::map<std::string, std::string> saved;
  for (const auto& [k, v] : env) {
    if (const char* old = std::getenv(k.c_str())) saved[k] = old;
    setenv(k.c_str(), v.c_str(), 1);
  }
  args.insert(args.begin(), "neural-style");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  Outcome r;
  r.status = cli::run_models_command(static_cast<int>(args.size()), argv.data());
  std::cout.flush();
  std::cerr.flush();
  r.out = testing::internal::GetCapturedStdout();
  r.err = testing::internal::GetCapturedStderr();
  for (const auto& [k, v] : env) {
    if (saved.count(k))
      setenv(k.c_str(), saved[k].c_str(), 1);
    else
      unsetenv(k.c_str());
  }
  return r;
}

// Installs `s` into `dest` through the library, as `models fetch` does.
std::string install(const Server& server, const std::string& name, const std::string& sha256,
                    const std::string& dest) {
  ns::FetchRequest req;
  req.url = server.url(name);
  req.sha256 = sha256;
  req.dest_dir = dest;
  ns::FetchResult result;
  const ns::Status st = ns::fetch_model(req, {}, &result);
  EXPECT_TRUE(st.ok()) << st.message;
  return result.installed_path;
}

std::string last_line(const std::string& text) {
  const auto l = lines_of(text);
  return l.empty() ? "" : l.back();
}

std::vector<std::string> fetch_args(const std::string& url, const std::string& sha,
                                    const std::string& dest = {}) {
  std::vector<std::string> a = {"models", "fetch", "vgg19", "--url", url, "--sha256", sha};
  if (!dest.empty()) a.insert(a.end(), {"--dest", dest});
  return a;
}

}  // namespace

TEST(ModelsFetch, WrongChecksumIsRefusedAndLeavesNothing) {
  Workdir w;
  const Served s = make_checkpoint(w);
  Server server(w);
  ASSERT_TRUE(server.running());
  const std::string dest = w.file("dest");
  for (const std::string& wrong : {std::string(64, '0'), std::string("deadbeef")}) {
    const Outcome r = run_cli(w, fetch_args(server.url(s.name), wrong, dest));
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("checksum mismatch"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(s.sha256), std::string::npos) << "names the actual hash: " << r.err;
    EXPECT_EQ(entries(dest), std::vector<std::string>{}) << "nothing left in DEST";
  }
}

// The realistic case: a legacy-format torch.save checkpoint, as torchvision's published
// vgg19-dcbb9e9d.pth, written by PyTorch itself (tools/make_test_checkpoints.py).
TEST(ModelsFetch, InstallsAVerifiedFileThatRunsFind) {
  Workdir w;
  const std::string script =
      env_or("NEURAL_STYLE_MAKE_CHECKPOINTS", "tools/make_test_checkpoints.py");
  ASSERT_EQ(std::system(("/usr/bin/python3 '" + script + "' '" + w.file("served") +
                         "' --convs 6 --seed 5 >/dev/null")
                            .c_str()),
            0);
  Served s;
  s.name = "vgg19-test-legacy.pth";
  s.path = w.file("served/" + s.name);
  s.sha256 = sha256sum(s.path);
  s.bytes = file_size(s.path);
  ASSERT_EQ(ns::detect_model_format(s.path), ns::ModelFormat::TorchLegacy);
  Server server(w);
  ASSERT_TRUE(server.running());
  // No --dest: the user's folder under XDG_DATA_HOME, which the default search looks in. The
  // URL redirects, as download servers often do.
  const Outcome r = run_cli(w, {"models", "fetch", "vgg19", "--url", server.url("moved/" + s.name),
                                "--sha256", s.sha256});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string installed = w.user_models() + "/vgg19.safetensors";
  EXPECT_EQ(last_line(r.out), installed);
  EXPECT_EQ(entries(w.user_models()), std::vector<std::string>{"vgg19.safetensors"})
      << "no partial or temporary file left";

  // The same numbers as the script's safetensors copy, without the classifier, with the
  // source recorded.
  ns::Checkpoint ck, reference;
  ASSERT_TRUE(ns::read_checkpoint(installed, {}, &ck).ok());
  ASSERT_TRUE(ns::read_checkpoint(w.file("served/vgg19-test.safetensors"), {}, &reference).ok());
  EXPECT_EQ(ck.metadata["source_url"], server.url("moved/" + s.name));
  EXPECT_EQ(ck.metadata["source_sha256"], s.sha256);
  ASSERT_EQ(ck.tensors.size(), 12u);
  for (const auto& [name, t] : ck.tensors) {
    ASSERT_EQ(name.rfind("features.", 0), 0u) << name;
    EXPECT_EQ(t.shape, reference.tensors.at(name).shape) << name;
    EXPECT_EQ(t.values, reference.tensors.at(name).values) << name;
  }

  // A run without --weights finds it and uses it.
  ASSERT_TRUE(cli_runner::write_test_inputs(w.path()));
  const Outcome run =
      run_cli(w, {"--content", w.file("content.png"), "--style", w.file("style.png"), "--output",
                  w.file("out.png"), "--iterations", "2", "--max-size", "32", "--scales", "1"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("weights " + installed), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("random network"), std::string::npos) << run.err;

  // Fetching again with the 8-digit prefix finds it installed and verified: no download.
  const std::size_t before = server.requests().size();
  const Outcome again = run_cli(w, {"models", "fetch", "vgg19", "--url", server.url(s.name),
                                    "--sha256", s.sha256.substr(0, 8)});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(last_line(again.out), installed);
  EXPECT_EQ(server.requests().size(), before);
}

TEST(ModelsFetch, ResumesAnInterruptedTransfer) {
  Workdir w;
  const Served s = make_checkpoint(w);
  const std::uint64_t cut = s.bytes / 3;
  Server server(w, {"--cut-after", std::to_string(cut)});
  ASSERT_TRUE(server.running());
  const std::string dest = w.file("dest");

  const Outcome first = run_cli(w, fetch_args(server.url(s.name), s.sha256, dest));
  EXPECT_EQ(first.status, 1) << first.err;
  EXPECT_EQ(lines_of(first.err).size(), 2u) << "the start line and one error line: " << first.err;
  EXPECT_NE(first.err.find("resume"), std::string::npos) << first.err;
  ASSERT_EQ(entries(dest), std::vector<std::string>{s.name + ".part"});
  EXPECT_EQ(file_size(dest + "/" + s.name + ".part"), cut);

  const Outcome second = run_cli(w, fetch_args(server.url(s.name), s.sha256, dest));
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(last_line(second.out), dest + "/vgg19.safetensors");
  EXPECT_NE(second.err.find("resumed at"), std::string::npos) << second.err;
  const auto req = server.requests();
  ASSERT_EQ(req.size(), 2u);
  EXPECT_TRUE(req[0]["range"].is_null());
  EXPECT_EQ(req[1]["range"], "bytes=" + std::to_string(cut) + "-");
  EXPECT_EQ(entries(dest), std::vector<std::string>{"vgg19.safetensors"});
  const Outcome verify = run_models(w, {"models", "verify", dest + "/vgg19.safetensors"});
  EXPECT_EQ(verify.status, 0) << verify.err;
  EXPECT_NE(verify.out.find("checksum verified"), std::string::npos) << verify.out;
}

TEST(ModelsFetch, ServerWithoutRangesRestartsCleanly) {
  Workdir w;
  const Served s = make_checkpoint(w);
  Server server(w, {"--cut-after", std::to_string(s.bytes / 2), "--no-range"});
  ASSERT_TRUE(server.running());
  const std::string dest = w.file("dest");
  EXPECT_EQ(run_cli(w, fetch_args(server.url(s.name), s.sha256, dest)).status, 1);
  const Outcome second = run_cli(w, fetch_args(server.url(s.name), s.sha256, dest));
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(second.err.find("resumed at"), std::string::npos) << second.err;
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(entries(dest), std::vector<std::string>{"vgg19.safetensors"});
  std::string detail;
  EXPECT_EQ(ns::check_model_checksum(dest + "/vgg19.safetensors", &detail),
            ns::ChecksumState::Verified)
      << detail;
}

TEST(ModelsFetch, InterruptKeepsThePartialFileForResuming) {
  Workdir w;
  const Served s = make_checkpoint(w);
  const std::string dest = w.file("dest");
  const std::uint64_t stall = s.bytes / 4;
  {
    Server stalling(w, {"--stall-after", std::to_string(stall)});
    ASSERT_TRUE(stalling.running());
    const std::string part = dest + "/" + s.name + ".part";
    const Outcome r = run_cli(w, fetch_args(stalling.url(s.name), s.sha256, dest),
                              [&] { return file_size(part) == stall; });
    EXPECT_EQ(r.status, 130) << r.err;
    EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  ASSERT_EQ(entries(dest), std::vector<std::string>{s.name + ".part"});
  EXPECT_EQ(file_size(dest + "/" + s.name + ".part"), stall);
  Server server(w);
  const Outcome r = run_cli(w, fetch_args(server.url(s.name), s.sha256, dest));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto req = server.requests();
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0]["range"], "bytes=" + std::to_string(stall) + "-");
}

TEST(ModelsFetch, NotFoundIsOneLine) {
  Workdir w;
  Server server(w);
  ASSERT_TRUE(server.running());
  const std::string dest = w.file("dest");
  const Outcome r = run_cli(w, {"models", "fetch", "vgg19", "--quiet", "--url",
                                server.url("missing.pth"), "--dest", dest});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(server.url("missing.pth")), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(entries(dest), std::vector<std::string>{});
}

TEST(ModelsFetch, BadArgumentsExitTwo) {
  Workdir w;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"models", "fetch", "vgg16"},
        std::vector<std::string>{"models", "fetch", "vgg19", "--sha256", "xyz12345"},
        std::vector<std::string>{"models", "fetch", "vgg19", "--sha256", "abc"},
        std::vector<std::string>{"models", "fetch", "vgg19", "--url", "ftp://example/x.pth"},
        std::vector<std::string>{"models", "fetch"}, std::vector<std::string>{"models", "verify"},
        std::vector<std::string>{"models", "frobnicate"}}) {
    const Outcome r = run_models(w, args);
    EXPECT_EQ(r.status, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_EQ(r.out, "");
  }
  const Outcome r = run_cli(w, {"models"});  // through main()
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_EQ(entries(w.file("xdg")), std::vector<std::string>{}) << "nothing created";
}

// In-process: the library's timeout and cancel, and two fetches on threads at once.
TEST(ModelsFetch, StalledServerTimesOutAndCancelStops) {
  Workdir w;
  const Served s = make_checkpoint(w);
  ns::FetchRequest req;
  req.sha256 = s.sha256;
  req.dest_dir = w.file("dest");
  ns::FetchResult result;
  {
    // Headers, then silence: libcurl's speed check gives up after stall_timeout_s.
    Server silent(w, {"--stall-after", "0"});
    ASSERT_TRUE(silent.running());
    req.url = silent.url(s.name);
    req.stall_timeout_s = 1;
    const auto t0 = std::chrono::steady_clock::now();
    const ns::Status st = ns::fetch_model(req, {}, &result);
    EXPECT_EQ(result.error, ns::FetchError::Network) << st.message;
    EXPECT_NE(st.message.find("timed out"), std::string::npos) << st.message;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
    EXPECT_EQ(entries(req.dest_dir), std::vector<std::string>{}) << "no empty partial file";
  }
  // 1000 bytes, then silence: cancelling stops the wait and keeps what arrived.
  Server stalling(w, {"--stall-after", "1000"});
  ASSERT_TRUE(stalling.running());
  req.url = stalling.url(s.name);
  req.stall_timeout_s = 60;
  std::atomic<std::uint64_t> seen{0};
  ns::FetchCallbacks cb;
  cb.progress = [&](std::uint64_t bytes, std::uint64_t total) {
    seen = bytes;
    if (total) {
      EXPECT_EQ(total, s.bytes);
    }
  };
  std::atomic<bool> cancel{false};
  cb.should_cancel = [&] { return cancel.load(); };
  ns::Status st;
  std::thread worker([&] { st = ns::fetch_model(req, cb, &result); });
  for (int i = 0; i < 400 && seen.load() < 1000; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  // Meanwhile a second fetch into the same folder is refused instead of writing the same file.
  ns::FetchResult second;
  const ns::Status busy = ns::fetch_model(req, {}, &second);
  EXPECT_EQ(second.error, ns::FetchError::Busy) << busy.message;
  cancel = true;
  worker.join();
  EXPECT_EQ(st.code, ns::Status::Code::Cancelled) << st.message;
  EXPECT_EQ(result.error, ns::FetchError::Cancelled);
  EXPECT_EQ(file_size(result.part_path), 1000u);
}

TEST(ModelsFetch, ConcurrentFetchesOnThreads) {
  Workdir w;
  const Served s = make_checkpoint(w);
  Server server(w);
  ASSERT_TRUE(server.running());
  ns::Status st[2];
  ns::FetchResult res[2];
  std::thread threads[2];
  for (int i = 0; i < 2; ++i)
    threads[i] = std::thread([&, i] {
      ns::FetchRequest req;
      req.url = server.url(s.name);
      req.sha256 = s.sha256;
      req.dest_dir = w.file("dest" + std::to_string(i));
      st[i] = ns::fetch_model(req, {}, &res[i]);
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(st[i].ok()) << st[i].message;
    std::string detail;
    EXPECT_EQ(ns::check_model_checksum(res[i].installed_path, &detail), ns::ChecksumState::Verified)
        << detail;
  }
  EXPECT_EQ(slurp(res[0].installed_path), slurp(res[1].installed_path));
}

TEST(ModelsList, ShowsEachFileWithFormatSizeAndChecksum) {
  Workdir w;
  const Served s = make_checkpoint(w);
  Server server(w);
  ASSERT_TRUE(server.running());
  const std::string installed = install(server, s.name, s.sha256, w.user_models());
  ASSERT_EQ(installed, w.user_models() + "/vgg19.safetensors");
  // A file the user copied in by hand, ahead in the search order: unverified, but the default.
  const std::string copied = w.file("models/vgg19-mine.safetensors");
  ASSERT_TRUE(ns::write_safetensors_file(copied, vgg19_prefix(2), {}).ok());
  const Outcome r = run_models(w, {"models", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string mine_line, installed_line;
  for (const std::string& l : lines_of(r.out)) {
    if (l.find("vgg19-mine.safetensors") != std::string::npos) mine_line = l;
    if (l.find(" vgg19.safetensors") != std::string::npos) installed_line = l;
  }
  EXPECT_NE(r.out.find(w.file("models")), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(w.user_models()), std::string::npos) << r.out;
  EXPECT_LT(r.out.find(w.file("models")), r.out.find(w.user_models())) << "search order";
  EXPECT_NE(mine_line.find("safetensors"), std::string::npos) << r.out;
  EXPECT_NE(mine_line.find(cli::format_size(file_size(copied))), std::string::npos) << r.out;
  EXPECT_NE(mine_line.find("unverified"), std::string::npos) << r.out;
  EXPECT_NE(mine_line.find("used by default"), std::string::npos) << r.out;
  EXPECT_NE(installed_line.find(cli::format_size(file_size(installed))), std::string::npos)
      << r.out;
  EXPECT_NE(installed_line.find("verified"), std::string::npos) << r.out;
  EXPECT_EQ(installed_line.find("unverified"), std::string::npos) << r.out;
  EXPECT_EQ(installed_line.find("used by default"), std::string::npos) << r.out;
}

TEST(ModelsVerify, GoodDamagedAndAlteredFiles) {
  Workdir w;
  const Served s = make_checkpoint(w);
  Server server(w);
  ASSERT_TRUE(server.running());
  const std::string dest = w.file("dest");
  const std::string good = install(server, s.name, s.sha256, dest);
  ASSERT_FALSE(good.empty());

  const Outcome ok = run_models(w, {"models", "verify", good});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("6 of 16"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("conv3_2"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("checksum verified"), std::string::npos) << ok.out;
  const Outcome served = run_models(w, {"models", "verify", s.path});
  EXPECT_EQ(served.status, 0) << served.err;
  EXPECT_NE(served.out.find("unused tensors skipped: 1"), std::string::npos) << served.out;
  EXPECT_NE(served.out.find("checksum unverified"), std::string::npos) << served.out;

  const std::string bytes = slurp(good);
  const std::string cut = w.file("cut.safetensors");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  // One float's lowest mantissa byte changed: still a valid, finite VGG-19 file, but not the
  // one that was verified at installation.
  std::string altered_bytes = bytes;
  altered_bytes[altered_bytes.size() - 4] ^= 0x01;
  const std::string altered = w.file("altered.safetensors");
  std::ofstream(altered, std::ios::binary) << altered_bytes;
  const std::string empty = w.file("empty.pth");
  std::ofstream(empty, std::ios::binary).flush();

  for (const std::string& bad : {cut, altered, empty, w.file("missing.pth"), w.file("served")}) {
    const Outcome r = run_models(w, {"models", "verify", bad});
    EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(bad), std::string::npos) << "names the file: " << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(ModelsCommand, DownloadProgressLine) {
  const std::string half = cli::download_progress_line(274000000, 548000000, 2e6, 10);
  EXPECT_EQ(half.substr(0, 18), "[#####     ]  50% ") << half;
  EXPECT_NE(half.find("274.0 MB / 548.0 MB"), std::string::npos) << half;
  EXPECT_NE(half.find("2.0 MB/s"), std::string::npos) << half;
  EXPECT_NE(half.find("ETA 2m17s"), std::string::npos) << half;
  const std::string unknown = cli::download_progress_line(1500, 0, 0, 10);
  EXPECT_NE(unknown.find("?"), std::string::npos) << unknown;
  EXPECT_EQ(unknown.find("ETA"), std::string::npos) << unknown;
}
