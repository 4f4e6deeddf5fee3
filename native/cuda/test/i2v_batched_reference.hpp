// The GPU Interact2Vec trainer's schedule on the host, in double (plain C++, for tests): the same
// kept pairs and order, batches, rates and counter-based negatives (interact2vec_trainer.hpp),
// each batch one synchronous SGNS step (interact2vec.hpp's formulas).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "recforge/bpr.hpp"
#include "recforge/csr.hpp"
#include "recforge/cuda/interact2vec_trainer.hpp"
#include "recforge/cuda/sampling.hpp"
#include "recforge/interact2vec.hpp"
#include "recforge/interact2vec_kernels.hpp"
#include "recforge/rng.hpp"

namespace rftest {

struct I2vReference {
  std::vector<double> U, V;  // users x dim, items x dim
  int32_t dim = 0;
  int64_t epoch = 0;
};

// Trains the next epoch of `ref` as rf::cuda::Interact2VecTrainer would (train, options and gpu
// options as given to it); returns the epoch's loss per kept example.
inline double referenceEpoch(I2vReference& ref, const rf::Interactions& train, const rf::Interact2VecOptions& o,
                             const rf::cuda::CudaInteract2VecOptions& gpu) {
  const rf::Csr csr = rf::buildCsr(train.users.data(), train.items.data(), train.size(), train.nUsers, train.nItems);
  std::vector<int64_t> count(static_cast<size_t>(train.nItems), 0);
  for (int32_t i : csr.indices) ++count[i];
  const uint64_t round = o.subsampleMode == rf::I2vSubsample::kOnce ? ~0ull : static_cast<uint64_t>(ref.epoch);
  std::vector<int32_t> users, items;
  std::vector<int64_t> kept(count.size(), 0);
  for (int32_t u = 0; u < csr.rows; ++u)
    for (int64_t q = csr.indptr[u]; q < csr.indptr[u + 1]; ++q) {
      const int32_t i = csr.indices[q];
      if (!rf::keepInteraction(o.seed, round, q, rf::subsampleKeepProbability(count[i], csr.nnz(), o.subsample)))
        continue;
      users.push_back(u), items.push_back(i), ++kept[i];
    }
  const rf::FrequencyNegatives negatives(kept, o.alpha);
  const int64_t n = static_cast<int64_t>(users.size());
  rf::Rng rng(o.seed, rf::hash3(rf::cuda::kI2vShuffleStream, static_cast<uint64_t>(ref.epoch), 0));
  for (int64_t k = n - 1; k > 0; --k) {
    const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(k) + 1));
    std::swap(users[k], users[j]);
    std::swap(items[k], items[j]);
  }
  const uint64_t stream = rf::hash3(rf::cuda::kI2vGpuNegativeStream, static_cast<uint64_t>(ref.epoch), 0);
  const double doneBefore = static_cast<double>(ref.epoch) * n, total = static_cast<double>(o.epochs) * n + 1;
  const int32_t d = ref.dim, K = o.negatives;
  const bool tabulated = gpu.sigmoid == rf::cuda::SgnsSigmoid::kTabulated;
  const rf::SigmoidTables& tab = rf::sigmoidTables();
  double loss = 0;
  for (int64_t begin = 0; begin < n; begin += gpu.batchSize) {
    const int64_t end = std::min<int64_t>(n, begin + gpu.batchSize);
    const double raw = o.lr * (1.0 - (doneBefore + static_cast<double>(begin)) / total);
    const double lr = static_cast<float>(raw > o.lr * o.minLrRatio ? raw : o.lr * o.minLrRatio);
    std::vector<double> dU(ref.U.size(), 0.0), dV(ref.V.size(), 0.0);
    for (int64_t e = begin; e < end; ++e) {
      const int32_t u = users[e], pos = items[e];
      const double* fu = &ref.U[static_cast<size_t>(u) * d];
      for (int32_t q = 0; q <= K; ++q) {
        const int32_t t = q == 0 ? pos
                                 : rf::cuda::counterFrequencyDrawExcept(negatives, o.seed, stream, static_cast<uint64_t>(e),
                                                                        static_cast<uint32_t>(q - 1),
                                                                        static_cast<uint32_t>(K), pos, pos);
        if (t < 0) continue;
        const double* v = &ref.V[static_cast<size_t>(t) * d];
        double s = 0;
        for (int32_t j = 0; j < d; ++j) s += fu[j] * v[j];
        double sig;
        if (tabulated) {
          sig = rf::tabulatedSigmoid(tab, static_cast<float>(s));
          loss += rf::tabulatedNegLogSigmoid(tab, static_cast<float>(q == 0 ? s : -s));
        } else {
          sig = rf::sigmoid(s);
          loss += q == 0 ? rf::softplus(-s) : rf::softplus(s);
        }
        const double g = lr * ((q == 0 ? 1.0 : 0.0) - sig);
        for (int32_t j = 0; j < d; ++j) dU[static_cast<size_t>(u) * d + j] += g * v[j];
        for (int32_t j = 0; j < d; ++j) dV[static_cast<size_t>(t) * d + j] += g * fu[j];
      }
    }
    for (size_t k = 0; k < dU.size(); ++k) ref.U[k] += dU[k];
    for (size_t k = 0; k < dV.size(); ++k) ref.V[k] += dV[k];
  }
  ++ref.epoch;
  return loss / static_cast<double>(n);
}

}  // namespace rftest
