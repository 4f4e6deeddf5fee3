// Rough GPU timings of the MRL4Rec and Interact2Vec kernels at the reference sizes (MRL: B 2048,
// d 64, levels 4..64, N 16, MNS; Interact2Vec: 8192 examples of 1 + 5 targets, d 96), each call
// timed end to end on the host (they wait for the device: ids are checked, the loss comes back).
#include <chrono>
#include <cstdio>
#include <vector>

#include "recforge/cuda/interact2vec.hpp"
#include "recforge/cuda/matryoshka.hpp"
#include "recforge/cuda/sampling.hpp"
#include "recforge/rng.hpp"

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
std::vector<float> table(int64_t rows, int32_t d, uint64_t seed) {
  rf::Rng rng(seed, 1);
  std::vector<float> t(size_t(rows) * d);
  for (auto& v : t) v = float(0.1 * rng.normal());
  return t;
}
}  // namespace

int main() {
  rf::cuda::requireDevice();
  const int32_t users = 30000, items = 20000, reps = 50;
  {  // MRL4Rec
    const int32_t d = 64, B = 2048, N = 16;
    rf::MatryoshkaLevels lv;
    lv.dims = {4, 8, 16, 32, 64};
    lv.candidates = N;
    const int32_t K = 5;
    rf::Rng rng(1, 2);
    std::vector<int32_t> u(B), p(B), cand(size_t(B) * K * N);
    for (auto& x : u) x = int32_t(rng.below(users));
    for (auto& x : p) x = int32_t(rng.below(items));
    for (auto& x : cand) x = int32_t(rng.below(items));
    const auto fin = table(users + items, d, 3);
    rf::cuda::DeviceBuffer<float> dFin(fin), dEgo(fin);
    rf::cuda::DeviceBuffer<int32_t> dU(u), dCand(cand), dNeg(size_t(B) * K);
    rf::cuda::IdCheck check;
    double t0 = now();
    for (int r = 0; r < reps; ++r)
      rf::cuda::selectMatryoshkaNegatives(dU.data(), B, dCand.data(), users, items, dFin.data(), d, lv,
                                          rf::MatryoshkaMode::kMns, dNeg.data(), check);
    rf::cuda::synchronize();
    std::printf("mrl select (B %d, K %d, N %d): %.1f us/batch\n", B, K, N, (now() - t0) / reps * 1e6);
    const auto neg = dNeg.toHost();
    rf::BprBatch batch;
    rf::mapMatryoshkaBatch(u.data(), p.data(), neg.data(), B, K, users, items, batch);
    const int64_t rows = int64_t(batch.rows.size());
    std::vector<float> finB(size_t(rows) * d);
    for (int64_t q = 0; q < rows; ++q)
      for (int32_t j = 0; j < d; ++j) finB[q * d + j] = fin[size_t(batch.rows[q]) * d + j];
    rf::cuda::DeviceBuffer<int32_t> dSlots(batch.slots), dRows(batch.rows);
    rf::cuda::DeviceBuffer<float> dFinB(finB), dGrad(static_cast<size_t>(rows) * d), dReg(static_cast<size_t>(rows));
    rf::cuda::MatryoshkaWorkspace ws;
    double loss = 0;
    t0 = now();
    for (int r = 0; r < reps; ++r)
      loss += rf::cuda::matryoshkaLossGrad(B, dSlots.data(), dRows.data(), rows, dFinB.data(), dEgo.data(), users + items,
                                           d, lv, rf::MatryoshkaMode::kMns, 1e-4, B, dGrad.data(), dReg.data(), ws)
                  .loss;
    std::printf("mrl loss+grad (B %d, %lld rows): %.1f us/batch (loss %.4f)\n", B, (long long)rows,
                (now() - t0) / reps * 1e6, loss / reps);
  }
  {  // Interact2Vec
    const int32_t d = 96, B = 8192, negs = 5, W = negs + 1;
    std::vector<int64_t> counts(items);
    rf::Rng rng(4, 5);
    for (auto& c : counts) c = int64_t(1 + rng.below(100));
    rf::FrequencyNegatives f(counts, -0.5);
    const auto dTab = rf::cuda::uploadFrequencyNegatives(f);
    std::vector<int32_t> in(B), pos(B);
    for (auto& x : in) x = int32_t(rng.below(users));
    for (auto& x : pos) x = int32_t(rng.below(items));
    rf::cuda::DeviceBuffer<int32_t> dIn(in), dPos(pos), dT(size_t(B) * W);
    rf::cuda::DeviceBuffer<float> dU(table(users, d, 6)), dV(table(items, d, 7));
    rf::cuda::SgnsWorkspace ws;
    rf::cuda::SgnsBatch batch;
    batch.inputs = dIn.data(), batch.targets = dT.data(), batch.examples = B, batch.width = W;
    rf::cuda::SgnsStep step;
    double loss = 0, t0 = now();
    for (int r = 0; r < reps; ++r) {
      rf::cuda::fillSgnsTargets(dTab, dPos.data(), nullptr, B, negs, 9, 0, uint64_t(r) * B, dT.data());
      loss += rf::cuda::sgnsBatchStep(dU.data(), users, dV.data(), items, d, batch, step, ws);
    }
    std::printf("sgns targets+step (B %d, width %d, d %d): %.1f us/batch (loss/example %.4f)\n", B, W, d,
                (now() - t0) / reps * 1e6, loss / reps / B);
  }
  return 0;
}
