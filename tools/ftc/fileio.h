// Whole-file input with a size limit checked before allocating, and all-or-nothing output: an output is
// written to a temporary file in its own directory and renamed into place only once it is complete, so a
// failure, or SIGINT / SIGTERM / SIGHUP, never leaves a partial file behind. "-" stands for stdin or stdout.
#ifndef FTC_TOOLS_FILEIO_H
#define FTC_TOOLS_FILEIO_H

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ftc_cli {

// Reads all of `path` ("-": stdin). Fails with kExitIo when it cannot be read, and with kExitData when it is
// larger than `max_bytes` (`what` names the kind of file in that message: "a .npy file").
std::vector<uint8_t> ReadInput(const std::string& path, uint64_t max_bytes, const char* what);

// An output file that appears only when Commit() succeeds.
class OutputFile {
 public:
  // Creates the temporary file now, so that an unwritable destination fails before any work (kExitIo);
  // commands open their output before reading their input.
  explicit OutputFile(std::string path);
  ~OutputFile();  // removes the temporary unless committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Appends `data` (to stdout for "-", which cannot be taken back). Fails with kExitIo.
  void Write(std::span<const uint8_t> data);
  // Renames the complete temporary onto the path. Fails with kExitIo.
  void Commit();
  const std::string& path() const { return path_; }

 private:
  void Discard();
  std::string path_;
  std::string temp_;  // empty for stdout
  int fd_ = -1;
};

// Installs the handlers that remove a pending temporary file on SIGINT, SIGTERM and SIGHUP, and ignores
// SIGPIPE so that a closed stdout is reported as a write error. Call once, at start-up.
void InstallSignalHandlers();

}  // namespace ftc_cli

#endif  // FTC_TOOLS_FILEIO_H
