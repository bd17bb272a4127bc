// Instruction-set paths a native kernel can be compiled for, and the one in use.
#pragma once

namespace ng {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2, Simd128 = 3, Neon = 4 };

const char* isa_name(Isa isa);

// True when this CPU (and OS) can execute code compiled for `isa`.
bool isa_supported(Isa isa);

// Best supported path, or the one forced by NODEGRAD_ISA (see cpu.cpp).
Isa active_isa();

// Forces a path; returns false (and changes nothing) if the CPU cannot run it.
bool set_active_isa(Isa isa);

}  // namespace ng
