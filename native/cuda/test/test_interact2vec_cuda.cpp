// The batched SGNS step on the GPU: one example against the CPU's rf::sgnsUpdate (on tables whose
// dot products are exact in float, so both see the same score and the same sigmoid table bin),
// and whole batches against a double-precision reference of the same synchronous math.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gpu_test.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/bpr.hpp"
#include "recforge/cuda/interact2vec.hpp"
#include "recforge/interact2vec_kernels.hpp"

namespace {

using rf::cuda::SgnsSigmoid;

// Entries k / 16 (k in [-8, 8]) times a per-row scale in {1, 2, 4, 8}: products are multiples of
// 2^-8 below 16, so a 48-wide dot is exact in float in any order, and scores range from well
// inside to well outside the sigmoid table's (-6, 6).
std::vector<float> dyadicTable(int64_t rows, int32_t d, uint64_t seed) {
  rf::Rng rng(seed, 3);
  std::vector<float> t(static_cast<size_t>(rows) * d);
  for (int64_t r = 0; r < rows; ++r) {
    const float scale = float(1 << (r % 4));
    for (int32_t j = 0; j < d; ++j) t[r * d + j] = scale * float(int(rng.below(17)) - 8) / 16.0f;
  }
  return t;
}

// The synchronous batched step in double (interact2vec.hpp's formulas), aliasing In == Out when
// `same`. Returns the summed loss.
double referenceStep(std::vector<double>& in, std::vector<double>& out, bool same, int32_t dim,
                     const std::vector<int32_t>& inputs, const std::vector<int32_t>& targets, int32_t width,
                     const std::vector<float>& lr, float lrAll, SgnsSigmoid sigmoid) {
  const rf::SigmoidTables& tab = rf::sigmoidTables();
  const std::vector<double> inS = in, outS = same ? in : out;
  std::vector<double> dIn(in.size(), 0.0), dOut(outS.size(), 0.0);
  double loss = 0;
  for (size_t b = 0; b < inputs.size(); ++b) {
    const double* fin = &inS[size_t(inputs[b]) * dim];
    const double rate = lr.empty() ? lrAll : lr[b];
    for (int32_t q = 0; q < width; ++q) {
      const int32_t t = targets[b * width + q];
      if (t < 0) continue;
      const double* v = &outS[size_t(t) * dim];
      double s = 0;
      for (int32_t j = 0; j < dim; ++j) s += fin[j] * v[j];
      const double label = q == 0 ? 1 : 0;
      double sig;
      if (sigmoid == SgnsSigmoid::kTabulated) {
        sig = rf::tabulatedSigmoid(tab, float(s));
        loss += rf::tabulatedNegLogSigmoid(tab, float(q == 0 ? s : -s));
      } else {
        sig = rf::sigmoid(s);
        loss += q == 0 ? rf::softplus(-s) : rf::softplus(s);
      }
      const double g = rate * (label - sig);
      for (int32_t j = 0; j < dim; ++j) dIn[size_t(inputs[b]) * dim + j] += g * v[j];
      for (int32_t j = 0; j < dim; ++j) dOut[size_t(t) * dim + j] += g * fin[j];
    }
  }
  for (size_t k = 0; k < in.size(); ++k) in[k] += dIn[k];
  std::vector<double>& o = same ? in : out;
  for (size_t k = 0; k < o.size(); ++k) o[k] += dOut[k];
  return loss;
}

// max |(got - start) - (want - start)| / max |want - start|: the step's deltas, not the tables.
double deltaDiff(const std::vector<float>& got, const std::vector<double>& want, const std::vector<float>& start) {
  double scale = 0, worst = 0;
  for (size_t k = 0; k < start.size(); ++k) {
    scale = std::max(scale, std::fabs(want[k] - start[k]));
    const double d = std::fabs(double(got[k]) - want[k]);
    if (!(d <= worst)) worst = d;
  }
  return scale > 0 ? worst / scale : worst;
}

struct BatchCase {
  int32_t users = 13, items = 29, dim = 48, width = 6;
  std::vector<int32_t> inputs, targets;
  std::vector<float> lr;
  BatchCase(int32_t examples, int32_t inRows, uint64_t seed) {
    rf::Rng rng(seed, 1);
    for (int32_t b = 0; b < examples; ++b) {
      inputs.push_back(int32_t(rng.below(inRows)));
      lr.push_back(0.05f + 0.4f * float(rng.uniform()));
      for (int32_t q = 0; q < width; ++q) targets.push_back(q > 0 && rng.below(7) == 0 ? -1 : int32_t(rng.below(items)));
    }
  }
};

}  // namespace

TEST(cuda_sgns_host_overload_checks_shapes) {
  std::vector<float> in(4 * 8), out(5 * 8);
  rf::cuda::SgnsStep step;
  CHECK_THROWS_CODE(rf::cuda::sgnsBatchStep(in, out, 8, {0, 1}, {0, 1, 2}, 2, {}, step), rf::code::kShape);
  CHECK_THROWS_CODE(rf::cuda::sgnsBatchStep(in, out, 8, {0}, {0, 1}, 2, {0.1f, 0.2f}, step), rf::code::kShape);
  CHECK_THROWS_CODE(rf::cuda::sgnsBatchStep(in, out, 8, {0}, {}, 0, {}, step), rf::code::kInvalidArgument);
}

TEST(cuda_sgns_reference_with_one_example_is_the_cpu_update) {
  // Host only: the double reference the GPU batches are checked against agrees with
  // rf::sgnsUpdate on one example with distinct targets (dyadic tables: the same table bins).
  const int32_t dim = 48;
  const std::vector<float> U0 = dyadicTable(6, dim, 7), V0 = dyadicTable(23, dim, 8);
  rf::Rng rng(9, 3);
  int saturated = 0, inside = 0;
  for (int example = 0; example < 40; ++example) {
    const int32_t u = int32_t(rng.below(6));
    std::vector<int32_t> targets;
    while (targets.size() < 6) {
      const int32_t t = int32_t(rng.below(23));
      if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    }
    for (int32_t t : targets) {
      double s = 0;
      for (int32_t j = 0; j < dim; ++j) s += double(U0[u * dim + j]) * V0[t * dim + j];
      (std::fabs(s) >= 6 ? saturated : inside)++;
    }
    std::vector<float> U = U0, V = V0, acc(dim);
    const float want = rf::sgnsUpdate(&U[u * dim], V.data(), dim, targets.data(), 6, 0.1f, acc.data());
    std::vector<double> UD = rftest::toDouble(U0), VD = rftest::toDouble(V0);
    const double got = referenceStep(UD, VD, false, dim, {u}, targets, 6, {}, 0.1f, SgnsSigmoid::kTabulated);
    CHECK_NEAR(got, want, 1e-5);
    for (size_t k = 0; k < U.size(); ++k) CHECK_NEAR(UD[k], U[k], 2e-6);
    for (size_t k = 0; k < V.size(); ++k) CHECK_NEAR(VD[k], V[k], 2e-6);
  }
  CHECK(saturated > 10 && inside > 10);
}

TEST(cuda_sgns_one_example_matches_cpu_sgns_update) {
  REQUIRE_GPU();
  const int32_t users = 6, items = 23, dim = 48;
  const std::vector<float> U0 = dyadicTable(users, dim, 7), V0 = dyadicTable(items, dim, 8);
  rf::Rng rng(9, 2);
  int saturated = 0, inside = 0;
  for (int example = 0; example < 40; ++example) {
    const int32_t u = int32_t(rng.below(users));
    std::vector<int32_t> targets;  // distinct: rf::sgnsUpdate then reads only snapshot rows
    while (targets.size() < 6) {
      const int32_t t = int32_t(rng.below(items));
      if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    }
    for (int32_t t : targets) {
      double s = 0;
      for (int32_t j = 0; j < dim; ++j) s += double(U0[u * dim + j]) * V0[t * dim + j];
      (std::fabs(s) >= 6 ? saturated : inside)++;
    }
    const float lr = 0.025f * float(1 + example % 5);
    std::vector<float> cpuU = U0, cpuV = V0, acc(dim);
    const float want = rf::sgnsUpdate(&cpuU[u * dim], cpuV.data(), dim, targets.data(), 6, lr, acc.data());
    std::vector<float> gpuU = U0, gpuV = V0;
    rf::cuda::SgnsStep step;
    step.lr = lr;
    const double got = rf::cuda::sgnsBatchStep(gpuU, gpuV, dim, {u}, targets, 6, {}, step);
    CHECK_NEAR(got, want, 1e-6 * std::max(1.0, std::fabs(double(want))));
    // Equal up to FMA contraction (the CPU's AVX2 clone fuses v + g * in, the GPU rounds g * in
    // first): a few ulps of values below 8.
    for (size_t k = 0; k < gpuU.size(); ++k) CHECK_NEAR(gpuU[k], cpuU[k], 8e-6);
    for (size_t k = 0; k < gpuV.size(); ++k) CHECK_NEAR(gpuV[k], cpuV[k], 8e-6);
  }
  CHECK(saturated > 10 && inside > 10);  // both table regions were exercised
}

TEST(cuda_sgns_batch_matches_double_reference) {
  REQUIRE_GPU();
  for (SgnsSigmoid sig : {SgnsSigmoid::kTabulated, SgnsSigmoid::kExact}) {
    BatchCase c(700, 13, 21);
    // Tabulated: exact float scores, so the reference reads the same table bins as the kernel.
    const bool dyadic = sig == SgnsSigmoid::kTabulated;
    const std::vector<float> U0 = dyadic ? dyadicTable(c.users, c.dim, 22) : rftest::randomTable(c.users, c.dim, 0.3, 22);
    const std::vector<float> V0 = dyadic ? dyadicTable(c.items, c.dim, 23) : rftest::randomTable(c.items, c.dim, 0.3, 23);
    for (bool perExampleLr : {true, false}) {
      const std::vector<float> lr = perExampleLr ? c.lr : std::vector<float>{};
      std::vector<float> U = U0, V = V0;
      rf::cuda::SgnsStep step;
      step.lr = 0.3f;
      step.sigmoid = sig;
      const double got = rf::cuda::sgnsBatchStep(U, V, c.dim, c.inputs, c.targets, c.width, lr, step);
      std::vector<double> UD = rftest::toDouble(U0), VD = rftest::toDouble(V0);
      const double want = referenceStep(UD, VD, false, c.dim, c.inputs, c.targets, c.width, lr, step.lr, sig);
      CHECK_NEAR(got, want, 1e-5 * std::fabs(want));
      const double du = deltaDiff(U, UD, U0), dv = deltaDiff(V, VD, V0);
      if (!(du <= 1e-5 && dv <= 1e-5))
        rftest::failAt(__FILE__, __LINE__, "deltas differ: U " + std::to_string(du) + ", V " + std::to_string(dv));
    }
  }
}

TEST(cuda_sgns_shared_table_item_to_item) {
  REQUIRE_GPU();
  // In == Out (item -> item): inputs and targets are rows of one table; every delta is taken from
  // the snapshot and a row that is both an input and a target gets both sums.
  BatchCase c(400, 29, 31);
  std::vector<float> V0 = rftest::randomTable(c.items, c.dim, 0.3, 32), V = V0;
  rf::cuda::SgnsStep step;
  step.sigmoid = SgnsSigmoid::kExact;
  step.lr = 0.2f;
  const double got = rf::cuda::sgnsBatchStep(V, V, c.dim, c.inputs, c.targets, c.width, {}, step);
  std::vector<double> VD = rftest::toDouble(V0), none;
  const double want = referenceStep(VD, none, true, c.dim, c.inputs, c.targets, c.width, {}, step.lr, step.sigmoid);
  CHECK_NEAR(got, want, 1e-5 * std::fabs(want));
  CHECK(deltaDiff(V, VD, V0) <= 1e-5);
}

TEST(cuda_sgns_step_is_deterministic) {
  REQUIRE_GPU();
  BatchCase c(2000, 13, 41);  // many repeats of every row: long per-row sums
  const std::vector<float> U0 = rftest::randomTable(c.users, c.dim, 0.3, 42), V0 = rftest::randomTable(c.items, c.dim, 0.3, 43);
  std::vector<float> U1 = U0, V1 = V0, U2 = U0, V2 = V0;
  rf::cuda::SgnsStep step;
  const double a = rf::cuda::sgnsBatchStep(U1, V1, c.dim, c.inputs, c.targets, c.width, c.lr, step);
  const double b = rf::cuda::sgnsBatchStep(U2, V2, c.dim, c.inputs, c.targets, c.width, c.lr, step);
  CHECK(a == b);
  CHECK(U1 == U2);
  CHECK(V1 == V2);
  CHECK(U1 != U0);
}

TEST(cuda_sgns_rejects_bad_ids_before_writing) {
  REQUIRE_GPU();
  BatchCase c(50, 13, 51);
  const std::vector<float> U0 = rftest::randomTable(c.users, c.dim, 0.3, 52), V0 = rftest::randomTable(c.items, c.dim, 0.3, 53);
  rf::cuda::SgnsStep step;
  auto targets = c.targets;
  targets[17] = c.items;
  rf::cuda::DeviceBuffer<float> dU(U0), dV(V0);
  rf::cuda::DeviceBuffer<int32_t> dIn(c.inputs), dT(targets);
  rf::cuda::SgnsBatch batch;
  batch.inputs = dIn.data(), batch.targets = dT.data(), batch.examples = 50, batch.width = c.width;
  rf::cuda::SgnsWorkspace ws;
  CHECK_THROWS_CODE(rf::cuda::sgnsBatchStep(dU.data(), c.users, dV.data(), c.items, c.dim, batch, step, ws),
                    rf::code::kOutOfRange);
  CHECK(dU.toHost() == U0);
  CHECK(dV.toHost() == V0);
  auto inputs = c.inputs;
  inputs[3] = -1;
  dIn.upload(inputs);
  dT.upload(c.targets);
  CHECK_THROWS_CODE(rf::cuda::sgnsBatchStep(dU.data(), c.users, dV.data(), c.items, c.dim, batch, step, ws),
                    rf::code::kOutOfRange);
  // The same workspace then runs a valid batch.
  dIn.upload(c.inputs);
  const double loss = rf::cuda::sgnsBatchStep(dU.data(), c.users, dV.data(), c.items, c.dim, batch, step, ws);
  CHECK(loss > 0);
}
