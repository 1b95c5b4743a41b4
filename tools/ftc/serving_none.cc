// `ftc serve`, `ftc edge` and `ftc latency` in a tool built without serving (FTC_BUILD_SERVING=OFF).
#include "cli.h"
#include "commands.h"

namespace ftc_cli {
namespace {

[[noreturn]] void NoServing(const char* command) {
  Fail(kExitUsage,
       std::string("ftc ") + command +
           ": this ftc was built without serving (configure with -DFTC_BUILD_SERVING=ON, which needs the "
           "inference harness and gRPC: Debian's libgrpc++-dev and protobuf-compiler-grpc)");
}

}  // namespace

int RunServe(const Args&) {
  NoServing("serve");
}

int RunEdge(const Args&) {
  NoServing("edge");
}

int RunLatency(const Args&) {
  NoServing("latency");
}

}  // namespace ftc_cli
