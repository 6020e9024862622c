// The neural-style command line: flag parsing in-process, then the real binary end to end.
#include <OpenImageIO/imageio.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <fcntl.h>
#include <zlib.h>
#include <chrono>
#include <clocale>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "../core/test_images.h"
#include "cli_runner.h"
#include "geometry.h"
#include "image_io.h"
#include "options.h"
#include "vgg19.h"
#include "weights.h"

namespace ns = neural_style;
namespace cli = neural_style::cli;

namespace {

cli::ParseOutcome parse(std::vector<const char*> args, cli::Options* o, std::string* msg) {
  args.insert(args.begin(), "neural-style");
  return cli::parse_options(static_cast<int>(args.size()), args.data(), o, msg);
}

std::string tmp_root() {
  const char* t = std::getenv("NEURAL_STYLE_TEST_TMP");
  std::string root = t ? t : "/tmp";
  mkdir(root.c_str(), 0755);
  return root;
}

class Workdir {
 public:
  Workdir() {
    std::string tmpl = tmp_root() + "/cli-XXXXXX";
    path_ = mkdtemp(tmpl.data());
    cli_runner::write_test_inputs(path_);
  }
  ~Workdir() { std::system(("chmod -R u+w '" + path_ + "'; rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> entries() const { return cli_runner::entries(path_); }

 private:
  std::string path_;
};

using cli_runner::Outcome;
using cli_runner::slurp;

using Env = std::vector<std::pair<std::string, std::string>>;

// Runs the built binary. `signal_after` > 0 sends `sig` once the process has run that long;
// `extra_env` is added to the child's environment.
Outcome run_cli(const Workdir& w, std::vector<std::string> args, double signal_after = 0,
                int sig = SIGINT, const Env& extra_env = {}) {
  cli_runner::Launch launch;
  launch.binary = cli_runner::built_cli();
  launch.args = std::move(args);
  launch.scratch = w.path();
  // Only weights the test puts there: never a model the developer has installed.
  launch.env = {{"NEURAL_STYLE_TEST_WIDTH_DIVISOR", "8"},
                {"NEURAL_STYLE_MODEL_PATH", w.file("models")},
                {"XDG_DATA_HOME", w.file("xdg")}};
  launch.env.insert(launch.env.end(), extra_env.begin(), extra_env.end());
  if (signal_after > 0)
    launch.while_running = [=](pid_t pid) {
      std::this_thread::sleep_for(std::chrono::duration<double>(signal_after));
      kill(pid, sig);
    };
  return cli_runner::run(std::move(launch));
}

std::vector<std::string> fast(const Workdir& w, const std::string& output) {
  return {"--content",    w.file("content.png"),
          "--style",      w.file("style.png"),
          "--output",     output,
          "--iterations", "3",
          "--max-size",   "32",
          "--scales",     "1"};
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// The number of error lines; fails the test on any line that is not the CLI's own.
int error_lines(const std::string& err) {
  std::istringstream in(err);
  std::string line;
  int errors = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(line.rfind("neural-style: ", 0), 0u) << "stray output: " << line;
    if (line.rfind("neural-style: error: ", 0) == 0) ++errors;
  }
  return errors;
}

// While it lives, the process runs in an installed locale whose decimal point is a comma, where
// strtod and std::stod read "0.25" as 0. Nothing is generated: without such a locale, found()
// is false and the tests that need one skip.
class CommaLocale {
 public:
  CommaLocale() : saved_(std::setlocale(LC_ALL, nullptr)) {
    for (const char* name : kCandidates) {
      if (std::setlocale(LC_ALL, name) && std::string(std::localeconv()->decimal_point) == ",") {
        name_ = name;
        return;
      }
    }
    std::setlocale(LC_ALL, saved_.c_str());
  }
  ~CommaLocale() { std::setlocale(LC_ALL, saved_.c_str()); }
  CommaLocale(const CommaLocale&) = delete;
  CommaLocale& operator=(const CommaLocale&) = delete;

  bool found() const { return !name_.empty(); }
  const std::string& name() const { return name_; }
  static std::string skip_reason() {
    std::string tried;
    for (const char* name : kCandidates) tried += std::string(tried.empty() ? "" : ", ") + name;
    return "no locale with a decimal comma is installed (tried " + tried +
           "); `locale-gen de_DE.UTF-8` installs one";
  }

 private:
  static constexpr const char* kCandidates[] = {"de_DE.UTF-8", "de_DE.utf8",  "fr_FR.UTF-8",
                                                "fr_FR.utf8",  "es_ES.UTF-8", "it_IT.UTF-8",
                                                "nl_NL.UTF-8", "ru_RU.UTF-8", "pt_BR.UTF-8"};
  std::string saved_;
  std::string name_;
};

}  // namespace

TEST(CliParse, DefaultsComeFromTheEngine) {
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--content", "a.png", "--style", "b.png", "--output", "c.png"}, &o, &msg),
            cli::ParseOutcome::Run)
      << msg;
  const ns::Params d = ns::default_params();
  EXPECT_EQ(o.params.iterations, d.iterations);
  EXPECT_EQ(o.params.style_weight, d.style_weight);
  EXPECT_EQ(o.params.content_layer, d.content_layer);
  EXPECT_EQ(o.params.style_layers.size(), d.style_layers.size());
}

TEST(CliParse, ReadsEveryFlag) {
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--content",
                   "a.png",
                   "--style",
                   "b.png",
                   "--output",
                   "c.png",
                   "--weights",
                   "w.st",
                   "--iterations",
                   "7",
                   "--optimizer",
                   "lbfgs",
                   "--lr",
                   "0.5",
                   "--content-weight",
                   "2",
                   "--style-weight",
                   "3",
                   "--tv-weight",
                   "4",
                   "--content-layer",
                   "relu3_2",
                   "--style-layers",
                   "relu1_1:1,relu2_1:2",
                   "--init",
                   "noise",
                   "--max-size",
                   "100",
                   "--scales",
                   "3",
                   "--seed",
                   "42",
                   "--device",
                   "cpu",
                   "--threads",
                   "1",
                   "--log-json",
                   "l.jsonl"},
                  &o, &msg),
            cli::ParseOutcome::Run)
      << msg;
  EXPECT_EQ(o.params.weights_file, "w.st");
  EXPECT_EQ(o.params.iterations, 7);
  EXPECT_EQ(o.params.optimizer, ns::Optimizer::LBFGS);
  EXPECT_DOUBLE_EQ(o.params.learning_rate, 0.5);
  EXPECT_DOUBLE_EQ(o.params.content_weight, 2);
  EXPECT_DOUBLE_EQ(o.params.style_weight, 3);
  EXPECT_DOUBLE_EQ(o.params.tv_weight, 4);
  EXPECT_EQ(o.params.content_layer, "relu3_2");
  ASSERT_EQ(o.params.style_layers.size(), 2u);
  EXPECT_DOUBLE_EQ(o.params.style_layers[1].weight, 2);
  EXPECT_EQ(o.params.init, ns::InitMode::Noise);
  EXPECT_EQ(o.params.max_size, 100);
  EXPECT_EQ(o.params.scales, 3);
  EXPECT_EQ(o.params.seed, 42u);
  EXPECT_EQ(o.params.device, ns::Device::CPU);
  EXPECT_EQ(o.params.threads, 1);
  EXPECT_EQ(o.log_json, "l.jsonl");
  cli::Options f;
  ASSERT_EQ(
      parse({"--content", "a", "--style", "b", "--output", "c", "--init", "start.png"}, &f, &msg),
      cli::ParseOutcome::Run);
  EXPECT_EQ(f.params.init, ns::InitMode::Image);
  EXPECT_EQ(f.init_file, "start.png");
}

TEST(CliParse, RejectsBadFlagsWithOneLine) {
  const std::vector<std::vector<const char*>> bad = {
      {"--content", "a", "--style", "b", "--output", "c", "--bogus"},
      {"--content", "a", "--style", "b"},
      {"--content", "a", "--style", "b", "--output", "c", "--iterations", "0"},
      {"--content", "a", "--style", "b", "--output", "c", "--iterations", "ten"},
      {"--content", "a", "--style", "b", "--output", "c", "--optimizer", "sgd"},
      {"--content", "a", "--style", "b", "--output", "c", "--content-layer", "relu6_1"},
      {"--content", "a", "--style", "b", "--output", "c", "--style-layers", "relu1_1:x"},
      {"--content", "a", "--style", "b", "--output", "c", "--max-size", "8"},
      {"--content", "a", "--style", "b", "--output", "c", "--device", "tpu"},
      {"--content", "a", "--style", "b", "--output", "c", "--style-weight", "-1"},
  };
  for (const auto& args : bad) {
    cli::Options o;
    std::string msg;
    EXPECT_EQ(parse(args, &o, &msg), cli::ParseOutcome::Error) << args.back();
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(CliParse, LayerSetsAndExplicitLayers) {
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--content", "a", "--style", "b", "--output", "c"}, &o, &msg),
            cli::ParseOutcome::Run);
  EXPECT_EQ(o.params.layer_set, ns::LayerSet::Auto);
  cli::Options s;
  ASSERT_EQ(parse({"--content", "a", "--style", "b", "--output", "c", "--layer-set", "shallow"}, &s,
                  &msg),
            cli::ParseOutcome::Run);
  EXPECT_EQ(s.params.layer_set, ns::LayerSet::Shallow);
  cli::Options c;
  ASSERT_EQ(parse({"--content", "a", "--style", "b", "--output", "c", "--content-layer", "relu2_2"},
                  &c, &msg),
            cli::ParseOutcome::Run);
  EXPECT_EQ(c.params.layer_set, ns::LayerSet::Custom);
  cli::Options bad;
  EXPECT_EQ(parse({"--content", "a", "--style", "b", "--output", "c", "--layer-set", "deep",
                   "--style-layers", "relu1_1"},
                  &bad, &msg),
            cli::ParseOutcome::Error);
}

TEST(CliParse, HelpListsTheFlags) {
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--help"}, &o, &msg), cli::ParseOutcome::Help);
  for (const char* flag : {"--content", "--style", "--output", "--weights", "--style-layers",
                           "--log-json", "--scales"})
    EXPECT_NE(msg.find(flag), std::string::npos) << flag;
}

TEST(CliRun, WritesTheResultAndPrintsItsPath) {
  Workdir w;
  auto args = fast(w, w.file("out.png"));
  args.insert(args.end(), {"--log-json", w.file("log.jsonl")});
  const Outcome r = run_cli(w, args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, w.file("out.png") + "\n");
  EXPECT_NE(r.err.find("random network"), std::string::npos) << "the random-weights warning";
  cli::ImageFile out, content;
  std::string e;
  ASSERT_TRUE(cli::read_image(w.file("out.png"), &out, &e)) << e;
  ASSERT_TRUE(cli::read_image(w.file("content.png"), &content, &e)) << e;
  EXPECT_EQ(out.rgb.width, 48);
  EXPECT_EQ(out.rgb.height, 40);
  EXPECT_LT(test_images::psnr(out.rgb, content.rgb), 40.0) << "the output is just the content";

  std::ifstream log(w.file("log.jsonl"));
  std::string line;
  int n = 0;
  while (std::getline(log, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["iteration"].get<int>(), n);
    for (const char* key :
         {"content_loss", "style_loss", "tv_loss", "total_loss", "elapsed_seconds"})
      EXPECT_TRUE(j.contains(key) && j[key].is_number()) << key;
    ++n;
  }
  EXPECT_EQ(n, 4);  // iteration 0 plus three steps
}

TEST(CliRun, BadInputExitsTwoWithOneLineAndNoOutput) {
  Workdir w;
  const std::string out = w.file("out.png");
  std::vector<std::vector<std::string>> cases;
  auto missing = fast(w, out);
  missing[1] = w.file("nope.png");
  cases.push_back(missing);
  auto layer = fast(w, out);
  layer.insert(layer.end(), {"--content-layer", "relu9_9"});
  cases.push_back(layer);
  auto flag = fast(w, out);
  flag.push_back("--frobnicate");
  cases.push_back(flag);
  auto dir = fast(w, out);
  dir[3] = w.file("");
  cases.push_back(dir);
  auto weights = fast(w, out);
  weights.insert(weights.end(), {"--weights", w.file("style.png")});
  cases.push_back(weights);
  {
    std::ofstream(w.file("zero.png")).close();
    auto zero = fast(w, out);
    zero[1] = w.file("zero.png");
    cases.push_back(zero);
  }
  for (const auto& args : cases) {
    const Outcome r = run_cli(w, args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("neural-style: error:"), std::string::npos) << r.err;
    EXPECT_FALSE(exists(out));
  }
}

TEST(CliRun, RefusesToOverwriteAnInput) {
  Workdir w;
  const std::string before = slurp(w.file("content.png"));
  const Outcome r = run_cli(w, fast(w, w.file("content.png")));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("input"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(w.file("content.png")), before);
}

TEST(CliRun, UnwritableFolderFailsBeforeTheRun) {
  Workdir w;
  const Outcome r = run_cli(w, fast(w, w.file("no-such-dir/out.png")));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("no-such-dir"), std::string::npos);
}

TEST(CliRun, SixteenBitPngWithAlphaKeepsDepthAndAlpha) {
  Workdir w;
  cli::ImageFile c;
  c.rgb = test_images::content(40, 40);
  c.bits = 16;
  c.alpha.assign(40 * 40, 1.0f);
  for (int i = 0; i < 40 * 20; ++i) c.alpha[static_cast<std::size_t>(i)] = 0.25f;
  std::string e;
  ASSERT_TRUE(cli::write_image(w.file("c16.png"), c, &e)) << e;
  auto args = fast(w, w.file("out16.png"));
  args[1] = w.file("c16.png");
  const Outcome r = run_cli(w, args);
  ASSERT_EQ(r.status, 0) << r.err;
  auto in = OIIO::ImageInput::open(w.file("out16.png"));
  ASSERT_TRUE(in);
  EXPECT_EQ(in->spec().format, OIIO::TypeDesc::UINT16);
  EXPECT_EQ(in->spec().nchannels, 4);
  in->close();
  cli::ImageFile out;
  ASSERT_TRUE(cli::read_image(w.file("out16.png"), &out, &e)) << e;
  EXPECT_NEAR(out.alpha.front(), 0.25f, 1e-4);
  EXPECT_NEAR(out.alpha.back(), 1.0f, 1e-4);
}

TEST(CliRun, InterruptLeavesNoOutputAndNoTemporaryFile) {
  Workdir w;
  auto args = fast(w, w.file("out.png"));
  args[7] = "100000";  // iterations: runs until interrupted
  const auto before = w.entries();
  const Outcome r = run_cli(w, args, 3.0);
  EXPECT_EQ(r.status, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  EXPECT_EQ(w.entries(), before);
}

TEST(CliRun, FindsWeightsInTheModelFolder) {
  Workdir w;
  ASSERT_EQ(mkdir(w.file("models").c_str(), 0755), 0);
  ns::Vgg19 net = ns::Vgg19::random(ns::tap_index("relu5_1") + 1, 8, torch::kFloat32);
  std::map<std::string, torch::Tensor> tensors;
  for (int i = 0; i < net.depth(); ++i) {
    const std::string key =
        "features." + std::to_string(ns::vgg19_convs()[static_cast<std::size_t>(i)].feature_index);
    tensors[key + ".weight"] = net.weights()[static_cast<std::size_t>(i)];
    tensors[key + ".bias"] = torch::zeros({net.weights()[static_cast<std::size_t>(i)].size(0)});
  }
  const std::string weights = w.file("models/vgg19-test.safetensors");
  ASSERT_TRUE(ns::write_safetensors(weights, tensors, {}).ok());
  const Outcome r = run_cli(w, fast(w, w.file("out.png")));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("weights " + weights), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("random network"), std::string::npos) << r.err;
}

TEST(CliRun, TerminateLeavesNoOutputAndNoTemporaryFile) {
  Workdir w;
  auto args = fast(w, w.file("out.png"));
  args[7] = "100000";
  const auto before = w.entries();
  const Outcome r = run_cli(w, args, 3.0, SIGTERM);
  EXPECT_EQ(r.status, 130) << r.err;
  EXPECT_EQ(w.entries(), before);
}

// Damaged and hostile image files: exit 2, one line naming the file, no output.
TEST(CliRun, DamagedImagesAreRefused) {
  Workdir w;
  const std::string png = slurp(w.file("content.png"));
  std::ofstream(w.file("cut.png"), std::ios::binary) << png.substr(0, png.size() / 2);
  cli::ImageFile c;
  c.rgb = test_images::content(48, 40);
  std::string e;
  ASSERT_TRUE(cli::write_image(w.file("content.jpg"), c, &e)) << e;
  const std::string jpg = slurp(w.file("content.jpg"));
  std::ofstream(w.file("cut.jpg"), std::ios::binary) << jpg.substr(0, jpg.size() / 3);
  std::ofstream(w.file("text.png")) << "this is not an image\n";
  // A PNG whose header claims 100000x100000 pixels (with a valid checksum) and no pixel data.
  {
    std::string ihdr = std::string("IHDR") + std::string("\x00\x01\x86\xa0\x00\x01\x86\xa0", 8) +
                       std::string("\x08\x02\x00\x00\x00", 5);
    const uLong crc =
        crc32(0L, reinterpret_cast<const Bytef*>(ihdr.data()), static_cast<uInt>(ihdr.size()));
    std::string file =
        std::string("\x89PNG\r\n\x1a\n", 8) + std::string("\x00\x00\x00\x0d", 4) + ihdr;
    auto put_crc = [&file](uLong c) {
      for (int i = 3; i >= 0; --i) file += static_cast<char>((c >> (8 * i)) & 0xff);
    };
    put_crc(crc);
    // An empty IDAT and IEND, so that the header parses and only the size is wrong.
    for (const char* type : {"IDAT", "IEND"}) {
      file += std::string("\x00\x00\x00\x00", 4) + type;
      put_crc(crc32(0L, reinterpret_cast<const Bytef*>(type), 4));
    }
    std::ofstream(w.file("huge.png"), std::ios::binary) << file;
  }
  for (const char* name : {"cut.png", "cut.jpg", "text.png", "huge.png"}) {
    auto args = fast(w, w.file("out.png"));
    args[1] = w.file(name);
    const Outcome r = run_cli(w, args);
    EXPECT_EQ(r.status, 2) << name << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_EQ(error_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
    EXPECT_FALSE(exists(w.file("out.png"))) << name;
  }
}

TEST(CliRun, UnsupportedOutputFormatIsRefusedBeforeTheRun) {
  Workdir w;
  const Outcome r = run_cli(w, fast(w, w.file("out.xyz")));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("unsupported output format"), std::string::npos) << r.err;
}

// A full disk: a 16 KiB tmpfs cannot hold the result. Needs root (CI runs as root).
TEST(CliRun, FullDiskLeavesNothingBehind) {
  Workdir w;
  const std::string mnt = w.file("full");
  ASSERT_EQ(mkdir(mnt.c_str(), 0755), 0);
  if (std::system(("mount -t tmpfs -o size=16k tmpfs '" + mnt + "' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  cli::ImageFile big;
  big.rgb = test_images::content(400, 300);
  std::string e;
  ASSERT_TRUE(cli::write_image(w.file("big.png"), big, &e)) << e;
  auto args = fast(w, mnt + "/out.tif");  // uncompressed, so it cannot fit
  args[1] = w.file("big.png");
  const Outcome r = run_cli(w, args);
  std::vector<std::string> left;
  if (DIR* d = opendir(mnt.c_str())) {
    while (dirent* ent = readdir(d))
      if (ent->d_name[0] != '.' ||
          (std::string(ent->d_name) != "." && std::string(ent->d_name) != ".."))
        left.push_back(ent->d_name);
    closedir(d);
  }
  std::system(("umount '" + mnt + "'").c_str());
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(error_lines(r.err), 1) << r.err;  // besides the random-network warning
  EXPECT_TRUE(left.empty()) << left.front();
}

TEST(CliRun, ConcurrentRunsGiveTheBytesOfARunAlone) {
  Workdir w;
  auto solo = fast(w, w.file("solo.png"));
  solo.insert(solo.end(), {"--init", "noise", "--seed", "7"});
  ASSERT_EQ(run_cli(w, solo).status, 0);
  // Two at once, each with its own output.
  std::vector<std::thread> runs;
  int status[2] = {-1, -1};
  for (int i = 0; i < 2; ++i) {
    runs.emplace_back([&, i] {
      Workdir own;  // separate stdout/stderr files
      auto args = fast(w, w.file("pair" + std::to_string(i) + ".png"));
      args.insert(args.end(), {"--init", "noise", "--seed", "7"});
      status[i] = run_cli(own, args).status;
    });
  }
  for (auto& t : runs) t.join();
  ASSERT_EQ(status[0], 0);
  ASSERT_EQ(status[1], 0);
  EXPECT_EQ(slurp(w.file("pair0.png")), slurp(w.file("solo.png")));
  EXPECT_EQ(slurp(w.file("pair1.png")), slurp(w.file("solo.png")));
}

// Style controls.

TEST(CliParse, PresetFirstThenExplicitFlagsOverride) {
  // --preset stands after --iterations here: the order on the command line does not matter.
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--content", "a", "--style", "b", "--output", "c", "--iterations", "7",
                   "--style-weight", "5", "--preset", "seed-recipe"},
                  &o, &msg),
            cli::ParseOutcome::Run)
      << msg;
  EXPECT_EQ(o.params.iterations, 7);
  EXPECT_DOUBLE_EQ(o.params.style_weight, 5);
  // What was not given explicitly is the preset's.
  EXPECT_DOUBLE_EQ(o.params.content_weight, 10);
  EXPECT_DOUBLE_EQ(o.params.learning_rate, 0.03);
  EXPECT_FALSE(o.params.normalize_weights);
  EXPECT_EQ(o.params.layer_set, ns::LayerSet::Custom);
  EXPECT_EQ(o.params.content_layer, "relu5_4");
  ASSERT_EQ(o.params.style_layers.size(), 5u);

  cli::Options q;
  ASSERT_EQ(parse({"--preset=high-quality", "--content", "a", "--style", "b", "--output", "c",
                   "--optimizer", "adam", "--max-size", "300"},
                  &q, &msg),
            cli::ParseOutcome::Run)
      << msg;
  EXPECT_EQ(q.params.optimizer, ns::Optimizer::Adam);
  EXPECT_EQ(q.params.max_size, 300);
  ns::Params hq = ns::default_params();
  ns::apply_preset("high-quality", &hq);
  EXPECT_EQ(q.params.iterations, hq.iterations);
  EXPECT_EQ(q.params.scales, hq.scales);

  cli::Options l;
  ASSERT_EQ(parse({"--preset", "seed-recipe", "--layer-set", "deep", "--content", "a", "--style",
                   "b", "--output", "c"},
                  &l, &msg),
            cli::ParseOutcome::Run);
  EXPECT_EQ(l.params.layer_set, ns::LayerSet::Deep);

  cli::Options bad;
  EXPECT_EQ(
      parse({"--content", "a", "--style", "b", "--output", "c", "--preset", "nope"}, &bad, &msg),
      cli::ParseOutcome::Error);
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(CliParse, StylesBlendScaleAndColours) {
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--content", "a", "--style", "s1", "--style", "s2", "--output", "c",
                   "--style-blend", "1,3", "--style-scale", "1.5", "--preserve-colors"},
                  &o, &msg),
            cli::ParseOutcome::Run)
      << msg;
  EXPECT_EQ(o.styles, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(o.params.style_blend, (std::vector<double>{1, 3}));
  EXPECT_DOUBLE_EQ(o.params.style_scale, 1.5);
  EXPECT_EQ(o.params.color_preservation, ns::ColorPreservation::Luminance);

  cli::Options t;
  ASSERT_EQ(
      parse({"--content", "a", "--style", "s", "--preserve-colors", "transfer", "--output", "c"},
            &t, &msg),
      cli::ParseOutcome::Run)
      << msg;
  EXPECT_EQ(t.params.color_preservation, ns::ColorPreservation::ColorTransfer);
  EXPECT_EQ(t.params.style_blend.size(), 0u);
  EXPECT_DOUBLE_EQ(t.params.style_scale, 1.0);

  cli::Options d;
  ASSERT_EQ(parse({"--content", "a", "--style", "s", "--output", "c"}, &d, &msg),
            cli::ParseOutcome::Run);
  EXPECT_EQ(d.params.color_preservation, ns::ColorPreservation::None);

  const std::vector<std::vector<const char*>> bad = {
      {"--content", "a", "--style", "s1", "--style", "s2", "--output", "c", "--style-blend", "1"},
      {"--content", "a", "--style", "s1", "--output", "c", "--style-blend", "1,2"},
      {"--content", "a", "--style", "s1", "--style", "s2", "--output", "c", "--style-blend",
       "1,-2"},
      {"--content", "a", "--style", "s1", "--style", "s2", "--output", "c", "--style-blend", "0,0"},
      {"--content", "a", "--style", "s", "--output", "c", "--style-scale", "100"},
      {"--content", "a", "--style", "s", "--output", "c", "--preserve-colors", "sepia"},
  };
  for (const auto& args : bad) {
    cli::Options b;
    EXPECT_EQ(parse(args, &b, &msg), cli::ParseOutcome::Error) << args.back();
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(CliParse, NumbersInTextFlagsIgnoreTheLocale) {
  const CommaLocale comma;
  if (!comma.found()) GTEST_SKIP() << CommaLocale::skip_reason();
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--content", "a", "--style", "s1", "--style", "s2", "--output", "c",
                   "--style-blend", "0.25,0.75", "--style-layers", "relu1_1:0.5,relu2_1:1.5"},
                  &o, &msg),
            cli::ParseOutcome::Run)
      << comma.name() << ": " << msg;
  EXPECT_EQ(o.params.style_blend, (std::vector<double>{0.25, 0.75})) << comma.name();
  ASSERT_EQ(o.params.style_layers.size(), 2u);
  EXPECT_DOUBLE_EQ(o.params.style_layers[0].weight, 0.5);
  EXPECT_DOUBLE_EQ(o.params.style_layers[1].weight, 1.5);
  // The locale's own notation is not read: "0,25,0,75" is four weights for two styles.
  cli::Options c;
  EXPECT_EQ(parse({"--content", "a", "--style", "s1", "--style", "s2", "--output", "c",
                   "--style-blend", "0,25,0,75"},
                  &c, &msg),
            cli::ParseOutcome::Error);
}

TEST(CliParse, DeviceNamesAreTheEnginesWithTheOldSpelling) {
  for (const auto& [name, device] :
       std::vector<std::pair<const char*, ns::Device>>{{"auto", ns::Device::Auto},
                                                       {"cpu", ns::Device::CPU},
                                                       {"gpu", ns::Device::CUDA},
                                                       {"cuda", ns::Device::CUDA}}) {
    cli::Options o;
    std::string msg;
    ASSERT_EQ(
        parse({"--content", "a", "--style", "b", "--output", "c", "--device", name}, &o, &msg),
        cli::ParseOutcome::Run)
        << name << ": " << msg;
    EXPECT_EQ(o.params.device, device) << name;
  }
  cli::Options o;
  std::string help;
  ASSERT_EQ(parse({"--help"}, &o, &help), cli::ParseOutcome::Help);
  EXPECT_NE(help.find("auto, cpu or gpu"), std::string::npos) << help;
}

TEST(CliParse, ListsThePresets) {
  for (const char* flag : {"--list-presets", "--help"}) {
    cli::Options o;
    std::string msg;
    ASSERT_EQ(parse({flag}, &o, &msg), cli::ParseOutcome::Help) << flag;
    for (const ns::Preset& p : ns::presets())
      EXPECT_NE(msg.find(p.name), std::string::npos) << flag << ": " << p.name;
  }
}

TEST(CliRun, BadBlendCountExitsTwoWithOneLine) {
  Workdir w;
  auto args = fast(w, w.file("out.png"));
  args.insert(args.end(), {"--style", w.file("style.png"), "--style-blend", "1,2,3"});
  const Outcome r = run_cli(w, args);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--style-blend"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(w.file("out.png")));
}

TEST(CliRun, TwoStylesBlendedWithColoursKept) {
  Workdir w;
  cli::ImageFile second;
  second.rgb = test_images::content(40, 48);  // any second picture will do as a style
  std::string e;
  ASSERT_TRUE(cli::write_image(w.file("style2.png"), second, &e)) << e;
  auto args = fast(w, w.file("out.png"));
  args.insert(args.end(),
              {"--style", w.file("style2.png"), "--style-blend", "0.25,0.75", "--style-scale",
               "1.5", "--preserve-colors", "--preset", "fast-preview", "--quiet"});
  const Outcome r = run_cli(w, args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, w.file("out.png") + "\n");
  cli::ImageFile out;
  ASSERT_TRUE(cli::read_image(w.file("out.png"), &out, &e)) << e;
  EXPECT_EQ(out.rgb.width, 48);
  EXPECT_EQ(out.rgb.height, 40);
  // A missing second style is refused like a missing first one.
  auto missing = fast(w, w.file("out2.png"));
  missing.insert(missing.end(), {"--style", w.file("no-such.png")});
  const Outcome m = run_cli(w, missing);
  EXPECT_EQ(m.status, 2) << m.err;
  EXPECT_EQ(error_lines(m.err), 1) << m.err;
  EXPECT_FALSE(exists(w.file("out2.png")));
}

// A script's locale does not change a run: the same flags give the same bytes under a locale
// with a decimal comma as under C.
TEST(CliRun, BlendUnderACommaLocaleGivesTheSameResult) {
  std::string locale_name;
  {
    const CommaLocale comma;
    if (!comma.found()) GTEST_SKIP() << CommaLocale::skip_reason();
    locale_name = comma.name();
  }
  Workdir w;
  cli::ImageFile second;
  second.rgb = test_images::content(40, 48);
  std::string e;
  ASSERT_TRUE(cli::write_image(w.file("style2.png"), second, &e)) << e;
  auto args_for = [&](const std::string& output) {
    auto args = fast(w, w.file(output));
    args.insert(args.end(), {"--style", w.file("style2.png"), "--style-blend", "0.25,0.75",
                             "--style-layers", "relu1_1:0.5,relu2_1:1.5", "--quiet"});
    return args;
  };
  const Outcome c = run_cli(w, args_for("c.png"), 0, SIGINT, {{"LC_ALL", "C"}});
  ASSERT_EQ(c.status, 0) << c.err;
  const Outcome comma = run_cli(w, args_for("comma.png"), 0, SIGINT, {{"LC_ALL", locale_name}});
  ASSERT_EQ(comma.status, 0) << locale_name << ": " << comma.err;
  EXPECT_EQ(slurp(w.file("comma.png")), slurp(w.file("c.png"))) << locale_name;
}

// Damaged or hostile .pth files given with --weights: exit 2, one line naming the file and the
// problem, no output written, nothing executed.
TEST(CliRun, DamagedPthWeightsAreRefused) {
  Workdir w;
  const std::string magic("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  const std::string header = magic + std::string("\x80\x02M\xe9\x03.", 6);  // protocol 1001
  const std::string victim = w.file("pwned");
  // What a malicious checkpoint does: os.system(...) on load, as Python's pickle would run it.
  const std::string command = "touch " + victim;
  std::string evil = header + "\x80\x02}.\x80\x02" + "cos\nsystem\n(X";
  for (int i = 0; i < 4; ++i) evil += static_cast<char>((command.size() >> (8 * i)) & 0xff);
  evil += command + "tR.";
  const std::map<std::string, std::pair<std::string, std::string>> files = {
      {"vgg19-cut.pth", {header + "\x80\x02}(X", "truncated"}},  // sys_info cut short
      {"vgg19-evil.pth", {evil, "forbidden global os.system"}},
      {"vgg19-zip.pth", {std::string("PK\x03\x04", 4) + std::string(200, '\x01'), "zip"}},
  };
  for (const auto& [name, content] : files) {
    std::ofstream(w.file(name), std::ios::binary) << content.first;
    auto args = fast(w, w.file("out.png"));
    args.insert(args.end(), {"--weights", w.file(name)});
    const Outcome r = run_cli(w, args);
    EXPECT_EQ(r.status, 2) << name << ": " << r.err;
    EXPECT_EQ(error_lines(r.err), 1) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(w.file(name) + ": "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(content.second), std::string::npos) << r.err;
    EXPECT_FALSE(exists(w.file("out.png")));
    EXPECT_FALSE(exists(victim));
  }
}

TEST(CliParse, InputConvention) {
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--content", "a", "--style", "b", "--output", "c"}, &o, &msg),
            cli::ParseOutcome::Run);
  EXPECT_EQ(o.params.input_convention, ns::Params::InputConvention::Auto);
  for (const auto& [flag, want] : std::map<std::string, ns::Params::InputConvention>{
           {"caffe", ns::Params::InputConvention::Caffe},
           {"torchvision", ns::Params::InputConvention::Torchvision}}) {
    cli::Options q;
    ASSERT_EQ(parse({"--content", "a", "--style", "b", "--output", "c", "--input-convention",
                     flag.c_str()},
                    &q, &msg),
              cli::ParseOutcome::Run)
        << msg;
    EXPECT_EQ(q.params.input_convention, want) << flag;
  }
  cli::Options bad;
  EXPECT_EQ(parse({"--content", "a", "--style", "b", "--output", "c", "--input-convention", "bgr"},
                  &bad, &msg),
            cli::ParseOutcome::Error);
}

TEST(CliRun, MemoryBudgetTooSmallExitsThreeNamingTheSizeThatFits) {
  Workdir w;
  cli::ImageFile big;
  big.rgb = test_images::content(2048, 2048);
  std::string e;
  ASSERT_TRUE(cli::write_image(w.file("big.png"), big, &e)) << e;
  const std::string out = w.file("out.png");
  auto args = fast(w, out);
  args[1] = w.file("big.png");
  args[9] = "0";  // --max-size: the content's own size
  args.insert(args.end(), {"--memory-budget", "450M"});
  const Outcome r = run_cli(w, args);
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("neural-style: error: not enough memory"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("450 MiB"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(out));
  const auto at = r.err.find("--max-size ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string fits = std::to_string(std::atoi(r.err.c_str() + at + 11));
  EXPECT_GE(std::stoi(fits), 16) << r.err;
  // The size named runs within the same budget.
  args[9] = fits;
  const Outcome ok = run_cli(w, args);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_TRUE(exists(out));
}

TEST(CliParse, MemoryBudgetAndPrecision) {
  cli::Options o;
  std::string msg;
  ASSERT_EQ(parse({"--content", "c.png", "--style", "s.png", "--output", "o.png", "--memory-budget",
                   "1.5G", "--precision", "bf16"},
                  &o, &msg),
            cli::ParseOutcome::Run)
      << msg;
  EXPECT_EQ(o.params.memory_budget_bytes, 3ull << 29);
  EXPECT_EQ(o.params.precision, ns::Precision::BFloat16);
  cli::Options d;
  ASSERT_EQ(parse({"--content", "c.png", "--style", "s.png", "--output", "o.png"}, &d, &msg),
            cli::ParseOutcome::Run);
  EXPECT_EQ(d.params.memory_budget_bytes, 0u);
  EXPECT_EQ(d.params.precision, ns::Precision::Float32);
  for (std::vector<const char*> bad : {std::vector<const char*>{"--memory-budget", "lots"},
                                       std::vector<const char*>{"--precision", "fp8"}}) {
    cli::Options b;
    std::vector<const char*> args = {"--content", "c.png", "--style", "s.png", "--output", "o.png"};
    args.insert(args.end(), bad.begin(), bad.end());
    EXPECT_EQ(parse(args, &b, &msg), cli::ParseOutcome::Error) << bad[0];
  }
}

// --style-mask: one per --style ('-' for none), read as grey; a wrong count, an unreadable
// file or a mask of another shape than the content exits 2 with one line and writes nothing.
// --log-json's style_losses: J_style of each style against its own Gram. The style the blend
// favours is the one the optimisation brings closer, whichever way round the blend is.
TEST(CliRun, LogJsonGivesEachStyleItsOwnLoss) {
  Workdir w;
  std::string e;
  cli::ImageFile stripes;  // a second style unlike the first: red with vertical stripes
  stripes.rgb = ns::Image::zeros(32, 32);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      float* px = &stripes.rgb.rgb[(static_cast<std::size_t>(y) * 32 + x) * 3];
      px[0] = 0.9f;
      px[1] = x % 6 < 3 ? 0.8f : 0.1f;
    }
  ASSERT_TRUE(cli::write_image(w.file("stripes.png"), stripes, &e)) << e;
  auto losses = [&](const std::string& blend, std::vector<double>* first,
                    std::vector<double>* last, double* style_loss) {
    auto args = fast(w, w.file("out.png"));
    args[7] = "40";  // --iterations
    args.insert(args.end(), {"--style", w.file("stripes.png"), "--style-blend", blend,
                             "--log-json", w.file("log.jsonl"), "--quiet"});
    const Outcome r = run_cli(w, args);
    ASSERT_EQ(r.status, 0) << r.err;
    std::ifstream log(w.file("log.jsonl"));
    std::string line;
    bool first_line = true;
    while (std::getline(log, line)) {
      const auto j = nlohmann::json::parse(line);
      *last = j["style_losses"].get<std::vector<double>>();
      if (first_line) *first = *last;
      first_line = false;
      if (style_loss) *style_loss = j["style_loss"].get<double>();
    }
  };
  std::vector<double> a0, a1, b0, b1;
  losses("0.9,0.1", &a0, &a1, nullptr);
  losses("0.1,0.9", &b0, &b1, nullptr);
  ASSERT_EQ(a1.size(), 2u);
  ASSERT_EQ(b1.size(), 2u);
  EXPECT_EQ(a0, b0) << "before the first step, the losses do not depend on the blend";
  EXPECT_LT(a1[0] / a0[0], a1[1] / a0[1]) << "blend 0.9,0.1: the first style falls further";
  EXPECT_LT(b1[1] / b0[1], b1[0] / b0[0]) << "blend 0.1,0.9: the second style falls further";

  // One style: the list is style_loss itself.
  auto args = fast(w, w.file("one.png"));
  args.insert(args.end(), {"--log-json", w.file("one.jsonl"), "--quiet"});
  ASSERT_EQ(run_cli(w, args).status, 0);
  std::ifstream log(w.file("one.jsonl"));
  std::string line;
  while (std::getline(log, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["style_losses"], nlohmann::json::array({j["style_loss"]}));
  }
}

TEST(CliRun, StyleMasksRunAndBadOnesExitTwoWithOneLine) {
  Workdir w;
  cli::ImageFile content;
  std::string e;
  ASSERT_TRUE(cli::read_image(w.file("content.png"), &content, &e)) << e;
  const int cw = content.rgb.width, ch = content.rgb.height;
  auto mask_file = [&](const std::string& name, int mw, int mh) {
    cli::ImageFile m;
    m.rgb = ns::Image::zeros(mw, mh);
    for (int y = 0; y < mh; ++y)
      for (int x = 0; x < mw / 2; ++x)
        for (int c = 0; c < 3; ++c) m.rgb.rgb[(static_cast<std::size_t>(y) * mw + x) * 3 + c] = 1;
    EXPECT_TRUE(cli::write_image(w.file(name), m, &e)) << e;
    return w.file(name);
  };
  const std::string left = mask_file("left.png", cw, ch);
  const std::string square = mask_file("square.png", cw + ch, cw + ch);

  auto args = fast(w, w.file("out.png"));
  args.insert(args.end(), {"--style", w.file("style.png"), "--style-mask", left, "--style-mask",
                           "-", "--quiet"});
  const Outcome ok = run_cli(w, args);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_TRUE(exists(w.file("out.png")));

  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--style-mask", left}, "--style-mask: 1 masks for 2 style images"},
      {{"--style-mask", w.file("missing.png"), "--style-mask", "-"}, "missing.png"},
      {{"--style-mask", square, "--style-mask", "-"}, "1 %"},
      {{"--style-source-mask", left}, "--style-source-mask: 1 masks for 2 style images"},
      {{"--style-source-mask", left, "--style-source-mask", "-"}, "source mask of style 1"},
  };
  for (const auto& [flags, expected] : bad) {
    auto a = fast(w, w.file("bad.png"));
    a.insert(a.end(), {"--style", w.file("style.png")});
    a.insert(a.end(), flags.begin(), flags.end());
    const Outcome r = run_cli(w, a);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_FALSE(exists(w.file("bad.png")));
  }
}
