#include "fileio.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "cli.h"

namespace ftc_cli {
namespace {

// The temporary file to remove if a signal arrives, kept where an async-signal-safe handler can read it.
// The tool writes one output at a time.
char pending_temp[4096];
volatile sig_atomic_t pending = 0;

void RemovePendingAndDie(int sig) {
  if (pending) unlink(pending_temp);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Blocks the cleanup signals while the pending path changes, so a handler never sees half of it.
class SignalBlock {
 public:
  SignalBlock() {
    sigset_t set;
    sigemptyset(&set);
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalBlock() { sigprocmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

std::string ErrnoText() {
  return std::strerror(errno);
}

bool WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

[[noreturn]] void TooLarge(const std::string& path, uint64_t size, uint64_t max_bytes, const char* what) {
  Fail(kExitData,
       Format("%s: %llu bytes is too large for %s (the limit is %llu bytes)", path.c_str(),
              static_cast<unsigned long long>(size), what, static_cast<unsigned long long>(max_bytes)));
}

}  // namespace

std::vector<uint8_t> ReadInput(const std::string& path, uint64_t max_bytes, const char* what) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "stdin" : path;
  const int fd = is_stdin ? STDIN_FILENO : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(kExitIo, "cannot open " + name + ": " + ErrnoText());
  struct FdCloser {
    int fd;
    bool owned;
    ~FdCloser() {
      if (owned) close(fd);
    }
  } closer{fd, !is_stdin};

  struct stat st {};
  if (fstat(fd, &st) != 0) Fail(kExitIo, "cannot read " + name + ": " + ErrnoText());
  if (S_ISDIR(st.st_mode)) Fail(kExitIo, "cannot read " + name + ": it is a directory");
  // A regular file is read straight into a buffer of its size; a pipe, or a file that grows meanwhile,
  // through a chunk appended up to the limit.
  std::vector<uint8_t> data;
  if (S_ISREG(st.st_mode)) {
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size > max_bytes) TooLarge(name, size, max_bytes, what);
    data.resize(size);
  }
  size_t used = 0;
  uint8_t chunk[1 << 16];
  for (;;) {
    const bool direct = used < data.size();
    uint8_t* const target = direct ? data.data() + used : chunk;
    const ssize_t n = read(fd, target, direct ? data.size() - used : sizeof(chunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(kExitIo, "cannot read " + name + ": " + ErrnoText());
    }
    if (n == 0) break;
    if (used + static_cast<uint64_t>(n) > max_bytes) TooLarge(name, used + n, max_bytes, what);
    if (!direct) data.insert(data.end(), chunk, chunk + n);
    used += static_cast<size_t>(n);
  }
  data.resize(used);
  return data;
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    if (isatty(STDOUT_FILENO))
      Fail(kExitUsage, "refusing to write binary data to a terminal: redirect stdout");
    return;
  }
  if (path_.empty()) Fail(kExitUsage, "the output file name is empty");
  temp_ = DirectoryOf(path_) + "/." + BaseOf(path_) + ".tmp-XXXXXX";
  if (temp_.size() >= sizeof(pending_temp))
    Fail(kExitIo, "cannot create " + path_ + ": the path is too long");
  {
    const SignalBlock block;
    fd_ = mkostemp(temp_.data(), O_CLOEXEC);
    if (fd_ < 0) {
      const std::string reason = ErrnoText();
      temp_.clear();
      Fail(kExitIo, "cannot create " + path_ + ": " + reason);
    }
    std::memcpy(pending_temp, temp_.c_str(), temp_.size() + 1);
    pending = 1;
  }
  // mkstemp creates the file with mode 0600; give it what a plain open() would have.
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(fd_, 0666 & ~mask);
}

OutputFile::~OutputFile() {
  Discard();
}

void OutputFile::Discard() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (temp_.empty()) return;
  const SignalBlock block;
  unlink(temp_.c_str());
  temp_.clear();
  pending = 0;
}

void OutputFile::Write(std::span<const uint8_t> data) {
  if (path_ == "-") {
    if (!WriteAll(STDOUT_FILENO, data.data(), data.size()))
      Fail(kExitIo, "cannot write to stdout: " + ErrnoText());
    return;
  }
  if (fd_ < 0) Fail(kExitIo, "internal error: " + path_ + " is written after Commit()");
  if (!WriteAll(fd_, data.data(), data.size())) {
    const std::string reason = ErrnoText();
    Discard();
    Fail(kExitIo, "cannot write " + path_ + ": " + reason);
  }
}

void OutputFile::Commit() {
  if (path_ == "-") return;
  if (fd_ < 0) Fail(kExitIo, "internal error: " + path_ + " is committed twice");
  const int closed = close(fd_);
  fd_ = -1;
  const SignalBlock block;
  if (closed != 0 || rename(temp_.c_str(), path_.c_str()) != 0) {
    const std::string reason = ErrnoText();
    Discard();
    Fail(kExitIo, "cannot write " + path_ + ": " + reason);
  }
  temp_.clear();
  pending = 0;
}

void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = RemovePendingAndDie;
  sigemptyset(&action.sa_mask);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace ftc_cli
