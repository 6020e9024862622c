// Fault tests of the neural-style binary that tests/cli/cli_test.cpp does not cover: files the
// user may not read, folders nobody may write, a hostile PNG header measured by peak memory, and
// outputs that name an input by another path. Each case records what happened (exit status,
// the message, whether an output exists, whether the inputs kept their bytes) as GoogleTest
// properties, which tools/reliability-report.py turns into docs/reliability.md.
//
// CI runs as root, for whom permission bits do not apply: the permission cases run the CLI as
// the unprivileged user "nobody" (setresuid in the child) and the read-only case mounts a
// read-only tmpfs. Without root they fall back to what an ordinary user can do, or skip saying
// why.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <fcntl.h>
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace {

using cli_runner::slurp;

bool exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

// A scratch folder under /tmp, open to everyone so that the unprivileged user can reach the
// files the test puts there whatever the permissions of the checkout's folders are.
class Scratch {
 public:
  Scratch() {
    std::string tmpl = "/tmp/neural-style-faults-XXXXXX";
    if (mkdtemp(tmpl.data())) path_ = tmpl;
    chmod(path_.c_str(), 0755);
    cli_runner::write_test_inputs(path_);
    // A private copy of the binary: the build folder may sit below folders "nobody" cannot
    // enter. It links only system libraries and its own static code.
    const char* bin = std::getenv("NEURAL_STYLE_CLI");
    if (bin) {
      std::ofstream(file("neural-style"), std::ios::binary) << slurp(bin);
      chmod(file("neural-style").c_str(), 0755);
    }
  }
  ~Scratch() {
    for (const auto& m : mounts_) umount2(m.c_str(), MNT_DETACH);
    if (!path_.empty())
      std::system(("chmod -R u+rwx '" + path_ + "'; rm -rf '" + path_ + "'").c_str());
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string folder(const std::string& name, mode_t mode) const {
    const std::string p = file(name);
    mkdir(p.c_str(), mode);
    chmod(p.c_str(), mode);  // mkdir's mode is filtered by the umask
    return p;
  }
  // Mounts a read-only tmpfs at `name`; false (with errno) when this process may not mount.
  bool mount_read_only(const std::string& name) {
    const std::string p = folder(name, 0777);
    if (mount("tmpfs", p.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
              "size=64k,mode=0777") != 0)
      return false;
    mounts_.push_back(p);
    return true;
  }

 private:
  std::string path_;
  std::vector<std::string> mounts_;
};

using cli_runner::Outcome;

enum class As { Self, Nobody };

// Runs the copied binary with `args`; as "nobody" it drops root in the child before exec.
Outcome run_cli(const Scratch& s, std::vector<std::string> args, As as = As::Self) {
  cli_runner::Launch launch;
  launch.binary = s.file("neural-style");
  launch.args = std::move(args);
  launch.scratch = s.path();
  launch.env = {{"NEURAL_STYLE_TEST_WIDTH_DIVISOR", "8"},
                {"NEURAL_STYLE_MODEL_PATH", s.file("models")},
                {"XDG_DATA_HOME", s.file("xdg")},
                {"HOME", s.file("home")}};
  if (as == As::Nobody) {
    const passwd* pw = getpwnam("nobody");
    if (!pw) {
      ADD_FAILURE() << "no user nobody";
      return {};
    }
    const uid_t uid = pw->pw_uid;
    const gid_t gid = pw->pw_gid;
    launch.in_child = [uid, gid] {
      return setgroups(0, nullptr) == 0 && setresgid(gid, gid, gid) == 0 &&
             setresuid(uid, uid, uid) == 0;
    };
  }
  return cli_runner::run(std::move(launch));
}

std::vector<std::string> fast(const Scratch& s, const std::string& content,
                              const std::string& output) {
  return {"--content",  content, "--style",      s.file("style.png"),
          "--output",   output,  "--iterations", "3",
          "--max-size", "32",    "--scales",     "1"};
}

// The lines starting "neural-style: error: "; any line that is not the CLI's own fails the test.
std::vector<std::string> error_lines(const std::string& err) {
  std::istringstream in(err);
  std::string line;
  std::vector<std::string> errors;
  while (std::getline(in, line)) {
    EXPECT_EQ(line.rfind("neural-style: ", 0), 0u) << "stray output: " << line;
    if (line.rfind("neural-style: error: ", 0) == 0) errors.push_back(line);
  }
  return errors;
}

// What the report shows for a refused run.
void record(const Outcome& r, bool output_written, bool inputs_unchanged) {
  const auto errors = error_lines(r.err);
  ::testing::Test::RecordProperty("exit_status", r.status);
  ::testing::Test::RecordProperty("message", errors.empty() ? "" : errors.front());
  ::testing::Test::RecordProperty("output_written", output_written ? "yes" : "no");
  ::testing::Test::RecordProperty("inputs_unchanged", inputs_unchanged ? "yes" : "no");
}

// The contract for bad input: exit 2, one error line that contains `names`, no output.
void expect_refused(const Outcome& r, const std::string& output, const std::string& names) {
  EXPECT_EQ(r.status, 2) << r.err;
  const auto errors = error_lines(r.err);
  ASSERT_EQ(errors.size(), 1u) << r.err;
  EXPECT_NE(errors.front().find(names), std::string::npos) << errors.front();
  EXPECT_FALSE(exists(output));
}

bool running_as_root() {
  return geteuid() == 0;
}

}  // namespace

// The same run succeeds as "nobody" when the file is readable: the refusal below is about the
// permission, not about the unprivileged user.
TEST(Faults, UnreadableInputIsRefused) {
  Scratch s;
  const std::string out_dir = s.folder("out", 0777);
  const std::string output = out_dir + "/out.png";
  const As as = running_as_root() ? As::Nobody : As::Self;
  ::testing::Test::RecordProperty("ran_as", as == As::Nobody ? "nobody" : "self");

  const Outcome ok = run_cli(s, fast(s, s.file("content.png"), output), as);
  ASSERT_EQ(ok.status, 0) << "control run as the same user failed: " << ok.err;
  ASSERT_EQ(unlink(output.c_str()), 0);

  ASSERT_EQ(chmod(s.file("content.png").c_str(), 0600), 0);  // owned by us, not by "nobody"
  if (as == As::Self) {
    ASSERT_EQ(chmod(s.file("content.png").c_str(), 0), 0);
    if (access(s.file("content.png").c_str(), R_OK) == 0)
      GTEST_SKIP() << "this user reads files whatever their mode, and cannot switch user";
  }
  const std::string before = slurp(s.file("content.png"));
  const Outcome r = run_cli(s, fast(s, s.file("content.png"), output), as);
  chmod(s.file("content.png").c_str(), 0644);
  record(r, exists(output), slurp(s.file("content.png")) == before);
  expect_refused(r, output, s.file("content.png"));
  EXPECT_NE(r.err.find("not readable"), std::string::npos) << r.err;
}

// A folder the user may not write to: refused before the run, nothing left in it.
TEST(Faults, FolderWithoutWritePermissionIsRefused) {
  Scratch s;
  const As as = running_as_root() ? As::Nobody : As::Self;
  ::testing::Test::RecordProperty("ran_as", as == As::Nobody ? "nobody" : "self");
  const std::string dir = s.folder("locked", 0555);
  if (as == As::Self && access(dir.c_str(), W_OK) == 0)
    GTEST_SKIP() << "this user writes into read-only folders and cannot switch user";
  const std::string output = dir + "/out.png";
  const Outcome r = run_cli(s, fast(s, s.file("content.png"), output), as);
  record(r, exists(output), true);
  expect_refused(r, output, output);
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
}

// A read-only file system: even root may not write there.
TEST(Faults, ReadOnlyMountIsRefused) {
  Scratch s;
  if (!s.mount_read_only("ro"))
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno) << "; needs root)";
  const std::string output = s.file("ro/out.png");
  const Outcome r = run_cli(s, fast(s, s.file("content.png"), output));
  record(r, exists(output), true);
  expect_refused(r, output, output);
}

namespace {

// A PNG with a valid signature, header and checksums: `width` x `height` 8-bit RGB whose IDAT
// holds `rows` rows of zeros (a file that promises far more than it has).
std::string png_promising(std::uint32_t width, std::uint32_t height, std::uint32_t rows) {
  auto be32 = [](std::uint32_t v) {
    std::string b;
    for (int i = 3; i >= 0; --i) b += static_cast<char>((v >> (8 * i)) & 0xff);
    return b;
  };
  auto chunk = [&](const std::string& type, const std::string& data) {
    const std::string body = type + data;
    const uLong crc =
        crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    return be32(static_cast<std::uint32_t>(data.size())) + body +
           be32(static_cast<std::uint32_t>(crc));
  };
  std::string idat;
  if (rows > 0) {
    // Each row: filter byte 0, then 3 bytes per pixel.
    const std::string raw(static_cast<std::size_t>(rows) * (3 * width + 1), '\0');
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    idat.resize(size);
    compress(reinterpret_cast<Bytef*>(&idat[0]), &size, reinterpret_cast<const Bytef*>(raw.data()),
             static_cast<uLong>(raw.size()));
    idat.resize(size);
  }
  const std::string header = be32(width) + be32(height) + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", header) + chunk("IDAT", idat) +
         chunk("IEND", "");
}

// Runs the CLI on `png` (written as bad.png) and, for comparison, on an empty file; expects the
// bad file refused with `message` and the run's peak memory at most `margin_mib` above the empty
// file's (LibTorch and OpenImageIO loaded, no pixels).
void expect_refused_within(const std::string& png, const std::string& message, long margin_mib) {
  Scratch s;
  std::ofstream(s.file("bad.png"), std::ios::binary) << png;
  std::ofstream(s.file("empty.png")).close();
  const std::string output = s.file("out.png");

  const Outcome base = run_cli(s, fast(s, s.file("empty.png"), output));
  EXPECT_EQ(base.status, 2) << base.err;
  const Outcome r = run_cli(s, fast(s, s.file("bad.png"), output));
  record(r, exists(output), true);
  ::testing::Test::RecordProperty("peak_rss_mib", static_cast<int>(r.peak_rss_kib / 1024));
  ::testing::Test::RecordProperty("peak_rss_mib_empty_file",
                                  static_cast<int>(base.peak_rss_kib / 1024));
  expect_refused(r, output, "bad.png");
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  EXPECT_LT(r.peak_rss_kib, base.peak_rss_kib + margin_mib * 1024)
      << "peak RSS " << r.peak_rss_kib / 1024 << " MiB against " << base.peak_rss_kib / 1024
      << " MiB for an empty file";
}

}  // namespace

// A 100000x100000 header must be refused from the header. One 100000x100000 RGB row band would
// already be far above the margin; the full image is 112 GiB as floats.
TEST(Faults, HugePngHeaderIsRefusedBeforeAllocating) {
  expect_refused_within(png_promising(100000, 100000, 0), "100000x100000", 64);
}

// Within the size limit, a header promising 16000x16000 over ten rows of data: decoding fails,
// and memory grows only with what was decoded (rows are decoded in bands into reserved, untouched
// memory), not by the 2.9 GiB of floats the header promises.
TEST(Faults, TruncatedBigPngCostsWhatItDecodes) {
  expect_refused_within(png_promising(16000, 16000, 10), "cannot decode", 256);
}

// cli_test's RefusesToOverwriteAnInput names the content with the very same string; here the
// output names an input through another path. Whatever the outcome, no input may change.
TEST(Faults, OutputNamingAnInputAnotherWayKeepsTheInput) {
  Scratch s;
  s.folder("sub", 0755);
  ASSERT_EQ(symlink(s.file("content.png").c_str(), s.file("alias.png").c_str()), 0);
  ASSERT_EQ(link(s.file("content.png").c_str(), s.file("hardlink.png").c_str()), 0);
  const std::string content = slurp(s.file("content.png"));
  const std::string style = slurp(s.file("style.png"));

  // Through ".." and through a symbolic link: the same file, refused before any work.
  for (const std::string& output : {s.file("sub/../style.png"), s.file("alias.png")}) {
    const Outcome r = run_cli(s, fast(s, s.file("content.png"), output));
    EXPECT_EQ(r.status, 2) << output << ": " << r.err;
    const auto errors = error_lines(r.err);
    ASSERT_EQ(errors.size(), 1u) << r.err;
    EXPECT_NE(errors.front().find("is one of the input files"), std::string::npos) << r.err;
    // The link itself exists: "written" would mean it no longer leads to the content's bytes.
    if (output == s.file("alias.png"))
      record(r, slurp(output) != content,
             slurp(s.file("content.png")) == content && slurp(s.file("style.png")) == style);
  }
  // A hard link is a second name, not the same path: the run may go ahead, but the atomic
  // rename replaces the name, never the bytes the content's name points to.
  const Outcome r = run_cli(s, fast(s, s.file("content.png"), s.file("hardlink.png")));
  EXPECT_TRUE(r.status == 0 || r.status == 2) << r.err;
  ::testing::Test::RecordProperty("hard_link_exit_status", r.status);
  EXPECT_EQ(slurp(s.file("content.png")), content);
  EXPECT_EQ(slurp(s.file("style.png")), style);
  EXPECT_TRUE(exists(s.file("alias.png")) && exists(s.file("sub")));
}
