#include "ftc_inference/resources.h"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace ftc_inference {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string FirstExisting(const std::string& in_source, const std::string& installed) {
  return Exists(in_source) || !Exists(installed) ? in_source : installed;
}

}  // namespace

std::string PythonExecutable() {
  return FTC_PYTHON_EXECUTABLE;
}

std::string ScriptPath(const std::string& name) {
  return FirstExisting(std::string(FTC_SOURCE_DIR) + "/inference/" + name, std::string(FTC_INSTALL_DATADIR) + "/" + name);
}

std::string ReferenceModelDir() {
  return FirstExisting(std::string(FTC_SOURCE_DIR) + "/models/fashion_resnet",
                       std::string(FTC_INSTALL_DATADIR) + "/models/fashion_resnet");
}

int RunPython(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv_text = {PythonExecutable(), script};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The script's own output is for people; keep stdout for the tool's table.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid;
  const int started = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (started != 0) return 127;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 127;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace ftc_inference
