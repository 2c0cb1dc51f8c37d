// Which llama.cpp CPU build numerics/ emulates. ggml ships one CPU back end per x86 feature level
// and loads the best one the host supports ("load_backend: loaded CPU backend from
// ...libggml-cpu-<variant>.so"); the variants round some float operations differently
// (docs/formats.md §4.2 step 1, §4.5, §5.3 item 7, §5.5):
//  * Haswell (AVX2 + FMA + F16C, libggml-cpu-haswell.so): 8-lane float vec_dot (EPR 8) with the
//    hadd horizontal sum, the AVX2 ggml_v_expf, 8-lane softmax / SwiGLU bodies, BF16 by widening
//    to f32, no Q2_K repack.
//  * Zen4 (AVX-512, libggml-cpu-zen4.so): EPR 16 with _mm512_reduce_add_ps, the AVX-512
//    ggml_v_expf (scalef), 16-lane bodies, BF16 by vdpbf16ps, Q2_K repacked.
// Integer block dots (quantised weights), RMSNorm, RoPE and the activation quantisers are the
// same in both. The profile is a plain value passed to every operation that depends on it, so a
// run is deterministic whatever machine it runs on.
#pragma once

#include <optional>
#include <string_view>

namespace etchsim::numerics {

enum class CpuProfile { Haswell, Zen4 };

// The profile used when a caller does not choose one (golden's --numerics default): fixed, never
// detected from the host.
inline constexpr CpuProfile kDefaultCpuProfile = CpuProfile::Haswell;

// "haswell" / "zen4", the names of ggml's CPU variants.
std::string_view cpu_profile_name(CpuProfile profile);
std::optional<CpuProfile> parse_cpu_profile(std::string_view name);

// f32 lanes of one SIMD register: GGML_F32_EPR of the float vec_dot and the width of the
// ggml_v_expf bodies of softmax and SwiGLU (8 on Haswell, 16 on Zen4).
int simd_lanes(CpuProfile profile);

}  // namespace etchsim::numerics
