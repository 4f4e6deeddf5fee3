// MRL4Rec (Matryoshka representation learning for recommendation) training kernels: nested
// levels d_1 < ... < d_K of one embedding, level scores on vector prefixes, Matryoshka negative
// sampling (a hard negative per level) and the nested BPR loss with its fused gradient.
// See ALGORITHMS.md Part B section 1. The backbone (LightGCN / MF) and optimizer are shared with
// lightgcn.hpp: these kernels take final embeddings and return gradients like bprLossGrad.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/bpr.hpp"
#include "recforge/negative_sampler.hpp"

namespace rf {

struct MatryoshkaLevels {
  std::vector<int32_t> dims;    // d_k: strictly increasing, each in [1, dim]
  std::vector<double> weights;  // w_k: finite, > 0; empty = uniform 1/K (the reference's w_d)
  int32_t candidates = 1;       // N: candidates drawn per level (hardest of N)
};

// A checked copy of `levels` for embeddings of width `dim`: empty weights become 1/K. Given
// weights are used as they are (not renormalized), so {1,...,1} means K times the reference loss.
// E_INVALID_ARG with a message naming the offending field otherwise.
MatryoshkaLevels validateLevels(const MatryoshkaLevels& levels, int32_t dim);

// Scores of one pair at every level in a single pass: out[k] = <a[:d_k], b[:d_k]>, a running sum
// snapshotted at each level boundary, so level k costs nothing beyond level k-1. The running sum
// is 8 float lanes over whole blocks of 8 plus a scalar part for the rest (simd.hpp), so the
// rounding differs slightly from a plain left-to-right sum.
void prefixDots(const float* a, const float* b, const int32_t* dims, int32_t levels, float* out);

// Batch form over one table (rows x dim): out[q * K + k] = <t[rowA[q]][:d_k], t[rowB[q]][:d_k]>.
// `levels` must be validated. Rows are not range-checked (callers map ids first).
void prefixDotsBatch(const float* table, int32_t dim, const int32_t* rowA, const int32_t* rowB, int64_t n,
                     const MatryoshkaLevels& levels, float* out, int threads);

enum class MatryoshkaMode {
  kMns,     // K groups of N candidates; group k's hardest at prefix d_k is level k's negative
  kShared,  // "MRL w/o MNS": one hardest of N at the last level, reused by every level
  kDns,     // plain BPR with a DNS negative: hardest of N, loss at the last level only, weight 1
};

// The Matryoshka objective as a training option (TrainOptions::matryoshka): the levels and how
// each triple's negatives are chosen.
struct MatryoshkaObjective {
  MatryoshkaLevels levels;
  MatryoshkaMode mode = MatryoshkaMode::kMns;
};

// Negatives stored per triple: K for kMns, 1 for kShared / kDns.
int32_t negativesPerTriple(MatryoshkaMode mode, const MatryoshkaLevels& levels);

inline constexpr uint64_t kMatryoshkaStreamTag = 0x4D524C344E454753ull;  // "MRL4NEGS"

struct MatryoshkaSampleOptions {
  uint64_t seed = 0;
  uint64_t epoch = 0;
  int64_t firstTriple = 0;  // index of triple 0 of this batch within the epoch (stream id)
  int threads = 0;
};

// For each (users[q], pos[q]) draws K*N (kMns) or N candidates with `sampler` (rejection against
// u's train items) and keeps each group's highest score (ties: the first drawn; scores are float
// dots with 8-lane partial sums, simd::dotPrefix), scored on
// `final` ((nUsers + nItems) x dim, users first, global rows). Writes negatives[q * perTriple + k] (item ids).
// Triple q uses Rng(hash3(seed, epoch, kMatryoshkaStreamTag), firstTriple + q), drawing its
// candidates group by group: the result depends on neither threads nor how an epoch is batched. Ids are range-checked (E_OUT_OF_RANGE).
void sampleMatryoshkaNegatives(const int32_t* users, const int32_t* pos, int64_t n, const NegativeSampler& sampler,
                               int32_t nUsers, int32_t nItems, const float* final, int32_t dim, const MatryoshkaLevels& levels, MatryoshkaMode mode,
                               const MatryoshkaSampleOptions& options, int32_t* negatives);

// Maps a batch onto the unique global rows it touches. slots: (2 + perTriple) per triple: u, p,
// then the negatives in level order. E_OUT_OF_RANGE on a bad id.
void mapMatryoshkaBatch(const int32_t* users, const int32_t* pos, const int32_t* negatives, int64_t n,
                        int32_t perTriple, int32_t nUsers, int32_t nItems, BprBatch& out);

struct MatryoshkaLoss {
  double loss = 0;                // rank + reg
  double rank = 0;                // sum_k w_k * levelBpr[k]
  double reg = 0;                 // lambda/(2 regDivisor) * sum of squared ego norms, per occurrence
  std::vector<double> levelBpr;   // unweighted mean softplus per level (kDns: the last level only)
};

// Nested BPR over a batch mapped by mapMatryoshkaBatch with the same mode:
//   L = sum_k w_k (1/B) sum_b softplus(s_k(u, n_k) - s_k(u, p))
//     + lambda/(2 regDivisor) * sum over slot occurrences of ||e0||^2
// which is the reference create_mrl_loss (w_d = 1/K, decay * ||.||^2 / 2 / batch_size over user,
// positive and the stored negatives; kShared stores one negative, so it is counted once as in
// LightGCN_sin). final: rows.size() x dim (row q = batch.rows[q]); ego: global layer-0 table.
// Writes gradFinal (rows.size() x dim) and regCoef (rows.size(), the L2 gradient at ego row r is
// regCoef * ego[r]), like bprLossGrad. Bit-identical for any `threads`.
MatryoshkaLoss matryoshkaLossGrad(int64_t n, const BprBatch& batch, const float* final, const float* ego, int32_t dim,
                                  const MatryoshkaLevels& levels, MatryoshkaMode mode, double lambda,
                                  double regDivisor, float* gradFinal, float* regCoef, int threads);

}  // namespace rf
