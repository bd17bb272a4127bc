#include "isa.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "cpu_cache.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace ng {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
unsigned long long xgetbv0() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

// cpuid is slow (a VM exit under a hypervisor): each answer is computed once.
bool probe_avx2_fma() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool osxsave = c & (1u << 27), fma = c & (1u << 12), avx = c & (1u << 28);
  if (!(osxsave && fma && avx)) return false;
  if ((xgetbv0() & 0x6) != 0x6) return false;  // XMM and YMM state enabled by the OS
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return b & (1u << 5);
}

bool probe_avx512f() {
  if (!probe_avx2_fma()) return false;
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  if (!(b & (1u << 16))) return false;
  return (xgetbv0() & 0xE6) == 0xE6;  // opmask, ZMM_Hi256 and Hi16_ZMM state enabled
}

bool cpu_has_avx2_fma() {
  static const bool has = probe_avx2_fma();
  return has;
}

bool cpu_has_avx512f() {
  static const bool has = probe_avx512f();
  return has;
}
#endif

Isa best_isa() {
#if defined(__x86_64__) || defined(_M_X64)
  if (cpu_has_avx512f()) return Isa::Avx512;
  if (cpu_has_avx2_fma()) return Isa::Avx2;
  return Isa::Scalar;
#elif defined(__wasm_simd128__)
  return Isa::Simd128;
#elif defined(__aarch64__)
  return Isa::Neon;
#else
  return Isa::Scalar;
#endif
}

Isa initial_isa() {
  const Isa best = best_isa();
  const char* forced = std::getenv("NODEGRAD_ISA");
  if (!forced || !*forced) return best;
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Simd128, Isa::Neon})
    if (std::strcmp(forced, isa_name(isa)) == 0 && isa_supported(isa)) return isa;
  return best;  // the binding reports an unusable NODEGRAD_ISA as a JS error
}

std::atomic<int>& active_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_isa())};
  return slot;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Simd128: return "simd128";
    case Isa::Neon: return "neon";
  }
  return "unknown";
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return true;
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::Avx2: return cpu_has_avx2_fma();
    case Isa::Avx512: return cpu_has_avx512f();
#elif defined(__wasm_simd128__)
    case Isa::Simd128: return true;
#elif defined(__aarch64__)
    case Isa::Neon: return true;
#endif
    default: return false;
  }
}

Isa active_isa() { return static_cast<Isa>(active_slot().load(std::memory_order_relaxed)); }

bool set_active_isa(Isa isa) {
  if (!isa_supported(isa)) return false;
  active_slot().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

namespace {

// /sys/devices/system/cpu/cpu0/cache/indexN describes one cache each: its level, type
// ("Data", "Instruction" or "Unified") and size ("2048K").
std::size_t probe_l2_cache_bytes() {
#if defined(__linux__)
  for (int i = 0; i < 16; ++i) {
    char path[96], level[8] = {}, type[16] = {}, size[32] = {};
    const auto read = [&](const char* name, char* out, int cap) {
      std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/%s", i, name);
      std::FILE* f = std::fopen(path, "r");
      if (!f) return false;
      const bool ok = std::fgets(out, cap, f) != nullptr;
      std::fclose(f);
      return ok;
    };
    if (!read("level", level, sizeof level)) break;
    if (std::atoi(level) != 2 || !read("type", type, sizeof type) || std::strncmp(type, "Instruction", 11) == 0 ||
        !read("size", size, sizeof size))
      continue;
    char* unit = nullptr;
    const unsigned long long v = std::strtoull(size, &unit, 10);
    const std::size_t scale = *unit == 'K' ? 1024 : *unit == 'M' ? 1024 * 1024 : 1;
    return static_cast<std::size_t>(v) * scale;
  }
#endif
  return 0;
}

}  // namespace

std::size_t l2_cache_bytes() {
  static const std::size_t bytes = probe_l2_cache_bytes();
  return bytes;
}

}  // namespace ng
