// First-order updates of embedding tables: Adam with PyTorch's exact float operation order, and
// plain SGD. Row variants update the rows of a (rows x dim) table named by a row list; a dense
// optimizer is the row variant over every row (what PyTorch's Adam does: after propagation most
// gradients are non-zero, and momentum moves rows whose gradient is zero), a lazy one is the row
// variant over the rows that got a gradient (like TF LazyAdam / torch SparseAdam: the global step
// drives bias correction; rows not listed keep their moments untouched).
#pragma once
#include <cstdint>

namespace rf {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  // PyTorch >= 2.0 updates the first moment with lerp (m += (1-b1)(g-m), one FMA in the
  // vectorized kernel); 1.x (the LightGCN era) with m = b1 m + (1-b1) g. Default: the 1.x form.
  bool lerpFirstMoment = false;
};

// The float scalars of one Adam step t >= 1, derived exactly as torch.optim.Adam does: bias
// corrections and step size in double, then each scalar rounded to float by the kernels.
struct AdamStep {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2;
  float negStepSize;  // -lr / (1 - beta1^t)
  float bc2Sqrt;      // sqrt(1 - beta2^t)
  float eps;
  bool lerp;
  static AdamStep at(const AdamOptions& o, int64_t t);
};

// p, m, v, g: n contiguous values. In float, per element:
//   m = m*b1 + (1-b1)*g          (or lerp)
//   v = v*b2 + ((1-b2)*g)*g
//   p = p + (-step_size*m) / (sqrt(v)/sqrt(bc2) + eps)
void adamUpdate(float* p, float* m, float* v, const float* g, int64_t n, const AdamStep& s);
// Rows rows[q] of P/M/V (each rows x dim) with gradient row q of G (n x dim).
void adamUpdateRows(float* P, float* M, float* V, int32_t dim, const int32_t* rows, int64_t n, const float* G,
                    const AdamStep& s);
// The dense update of rows whose gradient is exactly zero, without reading one: rows
// [rowBegin, rowEnd) of P/M/V except those with skip[r] != 0 (skip may be null). Bit-identical to
// adamUpdateRows with zero gradient rows (moments decay, p still moves by the old momentum).
void adamUpdateZeroGradRows(float* P, float* M, float* V, int32_t dim, int64_t rowBegin, int64_t rowEnd,
                            const uint8_t* skip, const AdamStep& s);

// p -= lr * g.
void sgdUpdate(float* p, const float* g, int64_t n, float lr);
void sgdUpdateRows(float* P, int32_t dim, const int32_t* rows, int64_t n, const float* G, float lr);

}  // namespace rf
