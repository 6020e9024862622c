// A folder under /tmp for one test's files, removed with everything in it at the end of scope.
#pragma once

#include <cstdlib>
#include <string>

namespace test_files {

class TempDir {
 public:
  // `prefix` names the folder after the tests that made it, for a reader of /tmp.
  explicit TempDir(const std::string& prefix = "neural-style-test") {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace test_files
