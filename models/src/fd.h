// A file descriptor that closes itself, for the model library's sources.
#pragma once

#include <unistd.h>

namespace neural_style::models_fd {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Closes now, reporting the error (a delayed write error shows up here, not in write()).
  bool close() { return ::close(release()) == 0; }

 private:
  int fd_;
};

}  // namespace neural_style::models_fd
