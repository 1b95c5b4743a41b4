// `ftc rd` and `ftc analyze` in a tool built without the inference harness (FTC_BUILD_INFERENCE=OFF).
#include "cli.h"
#include "commands.h"

namespace ftc_cli {
namespace {

[[noreturn]] void NoHarness(const char* command) {
  Fail(kExitUsage, std::string("ftc ") + command +
                       ": this ftc was built without the inference harness (configure with "
                       "-DFTC_BUILD_INFERENCE=ON and LibTorch, Debian's libtorch-dev)");
}

}  // namespace

int RunRd(const Args&) {
  NoHarness("rd");
}

int RunAnalyze(const Args&) {
  NoHarness("analyze");
}

}  // namespace ftc_cli
