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
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "../core/test_images.h"
#include "image_io.h"

namespace cli = neural_style::cli;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

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
    cli::ImageFile c, s;
    c.rgb = test_images::content(48, 40);
    s.rgb = test_images::style(40, 40);
    std::string e;
    EXPECT_TRUE(cli::write_image(file("content.png"), c, &e)) << e;
    EXPECT_TRUE(cli::write_image(file("style.png"), s, &e)) << e;
    // A private copy of the binary: the build folder may sit below folders "nobody" cannot
    // enter. It links only system libraries and its own static code.
    const char* bin = std::getenv("NEURAL_STYLE_CLI");
    if (bin) {
      std::ofstream(file("neural-style"), std::ios::binary) << read_file(bin);
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

struct Outcome {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  long peak_rss_kib = 0;
};

enum class As { Self, Nobody };

// Runs the copied binary with `args`; as "nobody" it drops root in the child before exec.
Outcome run_cli(const Scratch& s, std::vector<std::string> args, As as = As::Self) {
  const std::string bin = s.file("neural-style");
  const std::string out_path = s.file(".stdout"), err_path = s.file(".stderr");
  uid_t uid = 0;
  gid_t gid = 0;
  if (as == As::Nobody) {
    const passwd* pw = getpwnam("nobody");
    if (!pw) {
      ADD_FAILURE() << "no user nobody";
      return {};
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    if (as == As::Nobody && (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
                             setresuid(uid, uid, uid) != 0))
      _exit(126);
    setenv("NEURAL_STYLE_TEST_WIDTH_DIVISOR", "8", 1);
    setenv("NEURAL_STYLE_MODELS", s.file("models").c_str(), 1);
    setenv("XDG_DATA_HOME", s.file("xdg").c_str(), 1);
    setenv("HOME", s.file("home").c_str(), 1);
    std::vector<char*> argv;
    std::string b = bin;
    argv.push_back(b.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int st = 0;
  rusage ru{};
  wait4(pid, &st, 0, &ru);
  Outcome r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  r.peak_rss_kib = ru.ru_maxrss;
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return r;
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
  const std::string before = read_file(s.file("content.png"));
  const Outcome r = run_cli(s, fast(s, s.file("content.png"), output), as);
  chmod(s.file("content.png").c_str(), 0644);
  record(r, exists(output), read_file(s.file("content.png")) == before);
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

// A 100000x100000 header must be refused from the header: the process may not grow beyond
// what a refusal of an empty file costs (LibTorch and OpenImageIO loaded, no pixels).
TEST(Faults, HugePngHeaderIsRefusedBeforeAllocating) {
  Scratch s;
  auto crc_of = [](const std::string& bytes) {
    return crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
  };
  auto chunk = [&](const std::string& type, const std::string& data) {
    std::string c;
    for (int i = 3; i >= 0; --i) c += static_cast<char>((data.size() >> (8 * i)) & 0xff);
    c += type + data;
    const uLong crc = crc_of(type + data);
    for (int i = 3; i >= 0; --i) c += static_cast<char>((crc >> (8 * i)) & 0xff);
    return c;
  };
  // 100000 = 0x000186a0; 8-bit RGB. Valid signature and checksums, no pixel data.
  const std::string dims("\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x02\x00\x00\x00", 13);
  std::ofstream(s.file("huge.png"), std::ios::binary) << std::string("\x89PNG\r\n\x1a\n", 8) +
                                                             chunk("IHDR", dims) +
                                                             chunk("IDAT", "") + chunk("IEND", "");
  std::ofstream(s.file("empty.png")).close();
  const std::string output = s.file("out.png");

  const Outcome base = run_cli(s, fast(s, s.file("empty.png"), output));
  EXPECT_EQ(base.status, 2) << base.err;
  const Outcome r = run_cli(s, fast(s, s.file("huge.png"), output));
  record(r, exists(output), true);
  ::testing::Test::RecordProperty("peak_rss_mib", static_cast<int>(r.peak_rss_kib / 1024));
  ::testing::Test::RecordProperty("peak_rss_mib_empty_file",
                                  static_cast<int>(base.peak_rss_kib / 1024));
  expect_refused(r, output, "huge.png");
  EXPECT_NE(r.err.find("100000x100000"), std::string::npos) << r.err;
  // One 100000x100000 RGB row band would already be far above this margin; the full image is
  // 112 GiB as floats.
  EXPECT_LT(r.peak_rss_kib, base.peak_rss_kib + 64 * 1024)
      << "peak RSS " << r.peak_rss_kib / 1024 << " MiB against " << base.peak_rss_kib / 1024
      << " MiB for an empty file";
}

// cli_test's RefusesToOverwriteAnInput names the content with the very same string; here the
// output names an input through another path. Whatever the outcome, no input may change.
TEST(Faults, OutputNamingAnInputAnotherWayKeepsTheInput) {
  Scratch s;
  s.folder("sub", 0755);
  ASSERT_EQ(symlink(s.file("content.png").c_str(), s.file("alias.png").c_str()), 0);
  ASSERT_EQ(link(s.file("content.png").c_str(), s.file("hardlink.png").c_str()), 0);
  const std::string content = read_file(s.file("content.png"));
  const std::string style = read_file(s.file("style.png"));

  // Through ".." and through a symbolic link: the same file, refused before any work.
  for (const std::string& output : {s.file("sub/../style.png"), s.file("alias.png")}) {
    const Outcome r = run_cli(s, fast(s, s.file("content.png"), output));
    EXPECT_EQ(r.status, 2) << output << ": " << r.err;
    const auto errors = error_lines(r.err);
    ASSERT_EQ(errors.size(), 1u) << r.err;
    EXPECT_NE(errors.front().find("is one of the input files"), std::string::npos) << r.err;
    // The link itself exists: "written" would mean it no longer leads to the content's bytes.
    if (output == s.file("alias.png"))
      record(
          r, read_file(output) != content,
          read_file(s.file("content.png")) == content && read_file(s.file("style.png")) == style);
  }
  // A hard link is a second name, not the same path: the run may go ahead, but the atomic
  // rename replaces the name, never the bytes the content's name points to.
  const Outcome r = run_cli(s, fast(s, s.file("content.png"), s.file("hardlink.png")));
  EXPECT_TRUE(r.status == 0 || r.status == 2) << r.err;
  ::testing::Test::RecordProperty("hard_link_exit_status", r.status);
  EXPECT_EQ(read_file(s.file("content.png")), content);
  EXPECT_EQ(read_file(s.file("style.png")), style);
  EXPECT_TRUE(exists(s.file("alias.png")) && exists(s.file("sub")));
}
