// CPU feature detection and the choice of the kernel table; the C API's ftc_cpu_level / ftc_set_cpu_level.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "dsp/dsp.h"
#include "dsp/scalar.h"

#if defined(FTC_DSP_X86)
#include <cpuid.h>
#endif

namespace ftc::dsp {

// Each fills in the entries its level speeds up, over a copy of the level below.
#if defined(FTC_DSP_X86)
void InitSse4(Kernels* k);
void InitAvx2(Kernels* k);
void InitAvx512(Kernels* k);
#endif
#if defined(FTC_DSP_NEON)
void InitNeon(Kernels* k);
#endif

namespace {

#if defined(FTC_DSP_X86)
uint64_t EnabledStates() {  // XCR0: the register state the OS saves on a context switch
  uint32_t lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

Level DetectX86() {
  uint32_t a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return Level::kScalar;
  const bool sse41 = c & (1u << 19), osxsave = c & (1u << 27), avx = c & (1u << 28), f16c = c & (1u << 29);
  if (!sse41) return Level::kScalar;
  if (!(osxsave && avx && f16c)) return Level::kSse4;
  const uint64_t xcr0 = EnabledStates();
  if ((xcr0 & 0x6) != 0x6) return Level::kSse4;  // XMM and YMM state
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return Level::kSse4;
  const bool avx2 = b & (1u << 5), avx512f = b & (1u << 16);
  if (!avx2) return Level::kSse4;
  if (!avx512f || (xcr0 & 0xe0) != 0xe0) return Level::kAvx2;  // opmask and ZMM state
  return Level::kAvx512;
}
#endif

Level Detect() {
#if defined(FTC_DSP_X86)
  return DetectX86();
#elif defined(FTC_DSP_NEON)
  return Level::kNeon;  // Advanced SIMD is part of every AArch64 CPU
#else
  return Level::kScalar;
#endif
}

struct Tables {
  Level best = Level::kScalar;
  Kernels by_level[5];
  bool present[5] = {};

  Tables() : best(Detect()) {
    Kernels k = ScalarKernels();
    Add(k);
#if defined(FTC_DSP_X86)
    if (best >= Level::kSse4) InitSse4(&k), k.level = Level::kSse4, Add(k);
    if (best >= Level::kAvx2) InitAvx2(&k), k.level = Level::kAvx2, Add(k);
    if (best >= Level::kAvx512) InitAvx512(&k), k.level = Level::kAvx512, Add(k);
#elif defined(FTC_DSP_NEON)
    InitNeon(&k), k.level = Level::kNeon, Add(k);
#endif
  }
  void Add(const Kernels& k) {
    by_level[static_cast<int>(k.level)] = k;
    present[static_cast<int>(k.level)] = true;
  }
};

const Tables& AllTables() {
  static const Tables t;
  return t;
}

bool SameArchitecture(Level level) {
  if (level == Level::kScalar) return true;
#if defined(FTC_DSP_X86)
  return level != Level::kNeon;
#elif defined(FTC_DSP_NEON)
  return level == Level::kNeon;
#else
  return false;
#endif
}

// The level to use for a wish: capped to the best one present.
Level Capped(Level wish) {
  const Tables& t = AllTables();
  return static_cast<int>(wish) > static_cast<int>(t.best) ? t.best : wish;
}

const Kernels* InitialKernels() {
  Level level = AllTables().best;
  Level wish;
  if (const char* env = std::getenv("FTC_CPU_LEVEL");
      env != nullptr && ParseLevel(env, &wish) && SameArchitecture(wish))
    level = Capped(wish);
  return ForLevel(level);
}

std::atomic<const Kernels*>& Current() {
  static std::atomic<const Kernels*> current{InitialKernels()};
  return current;
}

}  // namespace

const Kernels* ForLevel(Level level) {
  const Tables& t = AllTables();
  const int i = static_cast<int>(level);
  return t.present[i] ? &t.by_level[i] : nullptr;
}

const Kernels& Active() {
  return *Current().load(std::memory_order_acquire);
}

Level BestLevel() {
  return AllTables().best;
}

bool SetLevel(Level level) {
  if (!SameArchitecture(level)) return false;
  Current().store(ForLevel(Capped(level)), std::memory_order_release);
  return true;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kScalar:
      return "scalar";
    case Level::kSse4:
      return "sse4";
    case Level::kAvx2:
      return "avx2";
    case Level::kAvx512:
      return "avx512";
    case Level::kNeon:
      return "neon";
  }
  return "unknown";
}

bool ParseLevel(const char* name, Level* out) {
  if (name == nullptr) return false;
  for (const Level level : kAllLevels) {
    if (std::strcmp(name, LevelName(level)) == 0) {
      *out = level;
      return true;
    }
  }
  return false;
}

}  // namespace ftc::dsp

extern "C" {

const char* ftc_cpu_level(void) {
  return ftc::dsp::LevelName(ftc::dsp::Active().level);
}

ftc_result ftc_set_cpu_level(const char* name) {
  ftc::dsp::Level level;
  if (!ftc::dsp::ParseLevel(name, &level)) return FTC_ERROR_INVALID_ARGUMENT;
  return ftc::dsp::SetLevel(level) ? FTC_OK : FTC_ERROR_UNSUPPORTED;
}

}  // extern "C"
