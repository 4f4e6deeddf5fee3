// The one place that knows about SIMD. The build targets baseline x86-64 (no -march=native) so a
// single binary runs everywhere; hot kernels instead carry RF_HOT_CLONES, which makes GCC/Clang
// compile the function once per ISA level and pick the widest supported one at load time.
// Kernels are written with GCC vector extensions (rf::simd::f32x8) so each clone vectorizes
// without intrinsics.
#pragma once

namespace rf::simd {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RF_HOT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RF_HOT_CLONES
#endif

// The vector type is 8 floats (32 bytes) on purpose: that is a native register on both x86-64-v3
// (ymm) and x86-64-v4 (ymm0-31 with AVX-512VL), so every clone keeps accumulators in registers.
// A 64-byte type looked natural for AVX-512, but GCC lowers it for the AVX2 clone through the
// stack (measured: several spills per FMA), and on Zen 4 a zmm FMA has the same throughput as two
// ymm FMAs anyway. The default (SSE2) clone splits each vector into two xmm halves.
//
// The helpers are always inlined into the cloned kernels, so the ISA-dependent ABI of a vector
// argument/return never applies. GCC still notes it wherever such a vector is declared in a file
// that includes this header (only kernel files do), so the note is off for them.
#pragma GCC diagnostic ignored "-Wpsabi"
#define RF_SIMD_INLINE __attribute__((always_inline)) inline

inline constexpr int kLanes = 8;
typedef float f32x8 __attribute__((vector_size(kLanes * sizeof(float))));

// Unaligned load/store (memcpy is the portable, UB-free way; it compiles to one move).
RF_SIMD_INLINE f32x8 load8(const float* p) {
  f32x8 v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}
RF_SIMD_INLINE void store8(float* p, f32x8 v) { __builtin_memcpy(p, &v, sizeof(v)); }
RF_SIMD_INLINE f32x8 splat8(float x) { return f32x8{} + x; }

// Lane-wise max that never returns NaN from `a`: a NaN lane of `a` keeps `b`.
RF_SIMD_INLINE f32x8 maxKeep(f32x8 a, f32x8 b) { return a > b ? a : b; }

// Horizontal max by halving (3 steps instead of 7 scalar compares).
RF_SIMD_INLINE float hmax8(f32x8 v) {
  typedef float f32x4 __attribute__((vector_size(4 * sizeof(float))));
  f32x4 a = __builtin_shufflevector(v, v, 0, 1, 2, 3);
  f32x4 b = __builtin_shufflevector(v, v, 4, 5, 6, 7);
  a = a > b ? a : b;
  float m = a[0];
  for (int i = 1; i < 4; ++i) m = a[i] > m ? a[i] : m;
  return m;
}

// Horizontal sum in a fixed order (pairwise: lanes 0-3 + 4-7, then 0-1 + 2-3, then 0 + 1).
RF_SIMD_INLINE float hsum8(f32x8 v) {
  typedef float f32x4 __attribute__((vector_size(4 * sizeof(float))));
  f32x4 a = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
  return (a[0] + a[2]) + (a[1] + a[3]);
}

// <a[:w], b[:w]>: 8-lane partial sums over the whole blocks of 8, then the tail in order.
RF_SIMD_INLINE float dotPrefix(const float* a, const float* b, int w) {
  f32x8 acc{};
  int j = 0;
  for (; j + kLanes <= w; j += kLanes) acc += load8(a + j) * load8(b + j);
  float s = hsum8(acc);
  for (; j < w; ++j) s += a[j] * b[j];
  return s;
}

}  // namespace rf::simd
