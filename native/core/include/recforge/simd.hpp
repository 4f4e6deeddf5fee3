// The one place that knows about SIMD. The build targets baseline x86-64 (no -march=native) so a
// single binary runs everywhere; hot kernels instead carry RF_HOT_CLONES, which makes GCC/Clang
// compile the function once per ISA level and pick the widest supported one at load time.
// Kernels are written with GCC vector extensions (rf::simd::f32x16) so each clone vectorizes
// without intrinsics: one zmm on x86-64-v4, two ymm on v3, four xmm on the default clone.
#pragma once

namespace rf::simd {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RF_HOT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RF_HOT_CLONES
#endif

// The helpers below are always inlined into the cloned kernels, so the ISA-dependent ABI of a
// 64-byte vector argument/return never applies. GCC still notes it wherever such a vector is
// declared in a file that includes this header (only kernel files do), so the note is off for them.
#pragma GCC diagnostic ignored "-Wpsabi"
#define RF_SIMD_INLINE __attribute__((always_inline)) inline

inline constexpr int kLanes = 16;
typedef float f32x16 __attribute__((vector_size(kLanes * sizeof(float))));

// Unaligned load/store of 16 floats (memcpy is the portable, UB-free way; it compiles to one move).
RF_SIMD_INLINE f32x16 load16(const float* p) {
  f32x16 v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}
RF_SIMD_INLINE void store16(float* p, f32x16 v) { __builtin_memcpy(p, &v, sizeof(v)); }
RF_SIMD_INLINE f32x16 splat16(float x) { return f32x16{} + x; }

// Lane-wise max that never returns NaN from `a`: a NaN lane of `a` keeps `b`.
RF_SIMD_INLINE f32x16 maxKeep(f32x16 a, f32x16 b) { return a > b ? a : b; }

// Horizontal max by halving (log2(16) = 4 steps instead of 15 scalar compares).
RF_SIMD_INLINE float hmax16(f32x16 v) {
  typedef float f32x8 __attribute__((vector_size(8 * sizeof(float))));
  typedef float f32x4 __attribute__((vector_size(4 * sizeof(float))));
  f32x8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
  f32x8 b = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  a = a > b ? a : b;
  f32x4 c = __builtin_shufflevector(a, a, 0, 1, 2, 3);
  f32x4 d = __builtin_shufflevector(a, a, 4, 5, 6, 7);
  c = c > d ? c : d;
  float m = c[0];
  for (int i = 1; i < 4; ++i) m = c[i] > m ? c[i] : m;
  return m;
}

}  // namespace rf::simd
