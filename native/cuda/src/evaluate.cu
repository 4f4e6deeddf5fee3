// The GPU evaluator's host side: the core's argument checks, the masks uploaded once, and the
// chunk loop (score a chunk of users against every item -> mask -> per-user top-K -> copy the
// lists back) whose lists go through the core's RankedListMetrics, so the metric code is the CPU
// evaluator's own. The kernels are in evaluate_score.cu, evaluate_select.cu, evaluate_check.cu.
#include <cuda_runtime.h>

#include <algorithm>
#include <functional>
#include <string>

#include "check.cuh"
#include "evaluate_kernels.cuh"
#include "recforge/cuda/evaluate.hpp"
#include "recforge/cuda/runtime.hpp"
#include "recforge/eval_parts.hpp"

namespace rf::cuda {

namespace {
constexpr size_t kDefaultScoreBufferBytes = size_t{1} << 30;
constexpr int64_t kMaxChunkRows = int64_t{65535} * evalk::kTileUsers;  // scoring grid's y limit

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
}  // namespace

struct DeviceEvaluator::Impl {
  Csr truth;                   // host copy: the metrics read it
  std::vector<int32_t> ks;
  int32_t maxK = 0;
  int threads = 0;             // host threads for the metrics
  std::vector<int32_t> users;  // evaluated users; empty means E_EMPTY at call time
  DeviceBuffer<int32_t> dUsers;
  DeviceBuffer<int64_t> maskPtr, extraPtr;
  DeviceBuffer<int32_t> maskIdx, extraIdx;
  bool hasMask = false, hasExtra = false;
  size_t scoreBufferBytes = kDefaultScoreBufferBytes;

  // Receives the lists of evaluated users [first, first + n) for one level: row r at items +
  // r * maxK (padded with -1), scores likewise (only when asked for).
  using Sink = std::function<void(size_t level, int64_t first, int64_t n, const int32_t* items, const float* scores)>;

  void checkTables(const float* dU, const float* dV, int32_t nUsers, int32_t nItems, int32_t dim) const;
  void requireUsers() const {
    if (users.empty()) fail(code::kEmpty, "evaluate: no user has a relevant item");
  }
  void rank(const float* dU, const float* dV, int32_t dim, const std::vector<int32_t>& widths, bool wantScores,
            const JobControl& ctl, const Sink& sink) const;
};

// The CPU evaluator's checks, in its order, for tables given as device pointers.
void DeviceEvaluator::Impl::checkTables(const float* dU, const float* dV, int32_t nUsers, int32_t nItems,
                                        int32_t dim) const {
  if (nUsers != truth.rows)
    fail(code::kShape, "evaluate: " + std::to_string(nUsers) + " user rows for " + std::to_string(truth.rows) + " users");
  if (nItems != truth.cols)
    fail(code::kShape, "evaluate: " + std::to_string(nItems) + " item rows for " + std::to_string(truth.cols) +
                           " items (truth's columns)");
  if (dim <= 0) fail(code::kShape, "user embeddings must have at least one column");
  if (nUsers > 0 && !dU) fail(code::kInvalidArgument, "user embeddings has no data");
  if (nItems > 0 && !dV) fail(code::kInvalidArgument, "item embeddings has no data");
  DeviceBuffer<unsigned long long> word(1, "finite check");
  const struct {
    const float* p;
    int64_t rows;
    const char* what;
  } tables[] = {{dU, nUsers, "user embeddings"}, {dV, nItems, "item embeddings"}};
  for (const auto& t : tables) {
    const int64_t bad = evalk::firstNonFinite(t.p, t.rows * dim, word.data());
    if (bad >= 0)
      fail(code::kNonFinite, std::string(t.what) + " has a non-finite value at row " + std::to_string(bad / dim) +
                                 ", column " + std::to_string(bad % dim));
  }
}

void DeviceEvaluator::Impl::rank(const float* dU, const float* dV, int32_t dim, const std::vector<int32_t>& widths,
                                 bool wantScores, const JobControl& ctl, const Sink& sink) const {
  ctl.checkCancelled();
  const int64_t nEval = static_cast<int64_t>(users.size());
  const int32_t nItems = truth.cols;
  const int32_t k = maxK;
  const int64_t ld = roundUp(nItems, evalk::kTileItems);  // score row stride: whole item tiles

  // Users per chunk: the score buffer (and the chunk's lists) within the budget, in whole tiles
  // of users, at least one tile.
  size_t freeBytes = 0, totalBytes = 0;
  memoryInfo(freeBytes, totalBytes);
  const int64_t budget = static_cast<int64_t>(std::min(scoreBufferBytes, freeBytes / 2));
  const int64_t tile = evalk::kTileUsers;
  int64_t rows = std::min(budget / (ld * int64_t{4}), budget / (int64_t{k} * 8)) / tile * tile;
  rows = std::max(rows, tile);
  rows = std::min({rows, roundUp(nEval, tile), kMaxChunkRows});

  DeviceBuffer<float> scores(static_cast<size_t>(rows * ld), "evaluation scores");
  DeviceBuffer<int32_t> topItems(static_cast<size_t>(rows * k), "top-k items");
  DeviceBuffer<float> topScores(static_cast<size_t>(rows * k), "top-k scores");
  DeviceBuffer<unsigned long long> scratch;
  if (evalk::selectNeedsGlobalScratch(k))
    scratch.resize(static_cast<size_t>(evalk::selectScratchRows(k, static_cast<int32_t>(rows)) *
                                       evalk::selectKeysPerRow(k)),
                   "top-k scratch");
  std::vector<int32_t> hostItems(static_cast<size_t>(rows * k));
  std::vector<float> hostScores(wantScores ? hostItems.size() : 0);

  for (int64_t first = 0; first < nEval; first += rows) {
    ctl.checkCancelled();
    const int32_t n = static_cast<int32_t>(std::min(rows, nEval - first));
    const int32_t* chunkUsers = dUsers.data() + first;
    for (size_t l = 0; l < widths.size(); ++l) {
      evalk::launchScores(dU, dim, chunkUsers, n, dV, dim, nItems, widths[l], scores.data(), ld);
      evalk::launchMask(chunkUsers, n, hasMask ? maskPtr.data() : nullptr, maskIdx.data(),
                        hasExtra ? extraPtr.data() : nullptr, extraIdx.data(), scores.data(), ld);
      evalk::launchSelect(scores.data(), ld, nItems, n, k, scratch.size() ? scratch.data() : nullptr,
                          topItems.data(), topScores.data());
      // Synchronous copies: a fault in the kernels above surfaces here as rf::Error.
      const size_t count = static_cast<size_t>(n) * k;
      copyToHost(hostItems.data(), topItems.data(), count * sizeof(int32_t));
      if (wantScores) copyToHost(hostScores.data(), topScores.data(), count * sizeof(float));
      sink(l, first, n, hostItems.data(), wantScores ? hostScores.data() : nullptr);
    }
    ctl.report(static_cast<double>(first + n) / static_cast<double>(nEval));
  }
}

DeviceEvaluator::DeviceEvaluator(const EvalSpec& spec) : impl_(std::make_unique<Impl>()) {
  eval::validateSpec(spec, spec.truth ? spec.truth->cols : 0);
  // Per-item exclusion is a CPU-evaluator option (the facade's catalog: 'train'); refused here
  // rather than silently ignored.
  if (spec.excludedItems) fail(code::kInvalidArgument, "evaluate: excludedItems is not supported on the GPU evaluator");
  Impl& m = *impl_;
  m.truth = *spec.truth;
  m.ks = spec.ks;
  m.maxK = *std::max_element(spec.ks.begin(), spec.ks.end());
  m.threads = spec.threads;
  for (int32_t u = 0; u < m.truth.rows; ++u)
    if (m.truth.degree(u) > 0) m.users.push_back(u);
  requireDevice();
  m.dUsers.upload(m.users, "evaluated users");
  if (spec.mask) {
    m.hasMask = true;
    m.maskPtr.upload(spec.mask->indptr, "mask offsets");
    m.maskIdx.upload(spec.mask->indices, "mask items");
  }
  if (spec.extraMask) {
    m.hasExtra = true;
    m.extraPtr.upload(spec.extraMask->indptr, "extraMask offsets");
    m.extraIdx.upload(spec.extraMask->indices, "extraMask items");
  }
}

DeviceEvaluator::~DeviceEvaluator() = default;
DeviceEvaluator::DeviceEvaluator(DeviceEvaluator&&) noexcept = default;
DeviceEvaluator& DeviceEvaluator::operator=(DeviceEvaluator&&) noexcept = default;

int32_t DeviceEvaluator::nUsers() const { return impl_->truth.rows; }
int32_t DeviceEvaluator::nItems() const { return impl_->truth.cols; }
void DeviceEvaluator::setScoreBufferBytes(size_t bytes) { impl_->scoreBufferBytes = bytes; }

EvalResult DeviceEvaluator::evaluate(const float* dUsers, const float* dItems, int32_t nUsers, int32_t nItems,
                                     int32_t dim, const JobControl& ctl) const {
  return std::move(evaluatePrefixes(dUsers, dItems, nUsers, nItems, dim, {dim}, ctl)[0]);
}

std::vector<EvalResult> DeviceEvaluator::evaluatePrefixes(const float* dUsers, const float* dItems, int32_t nUsers,
                                                          int32_t nItems, int32_t dim,
                                                          const std::vector<int32_t>& dims,
                                                          const JobControl& ctl) const {
  const Impl& m = *impl_;
  m.checkTables(dUsers, dItems, nUsers, nItems, dim);
  validatePrefixDims(dims, dim, "dims");
  m.requireUsers();
  std::vector<eval::RankedListMetrics> metrics;
  for (size_t l = 0; l < dims.size(); ++l) metrics.emplace_back(m.truth, m.users, m.ks);
  m.rank(dUsers, dItems, dim, dims, false, ctl,
         [&](size_t level, int64_t first, int64_t n, const int32_t* items, const float*) {
           metrics[level].add(first, n, items, m.maxK, m.threads);
         });
  std::vector<EvalResult> out;
  for (const auto& x : metrics) out.push_back(x.result());
  return out;
}

TopKLists DeviceEvaluator::topK(const float* dUsers, const float* dItems, int32_t nUsers, int32_t nItems, int32_t dim,
                                const JobControl& ctl) const {
  const Impl& m = *impl_;
  m.checkTables(dUsers, dItems, nUsers, nItems, dim);
  m.requireUsers();
  TopKLists out;
  out.users = m.users;
  out.k = m.maxK;
  out.items.resize(m.users.size() * static_cast<size_t>(m.maxK));
  out.scores.resize(out.items.size());
  m.rank(dUsers, dItems, dim, {dim}, true, ctl,
         [&](size_t, int64_t first, int64_t n, const int32_t* items, const float* scores) {
           const size_t offset = static_cast<size_t>(first) * m.maxK, count = static_cast<size_t>(n) * m.maxK;
           std::copy(items, items + count, out.items.begin() + offset);
           std::copy(scores, scores + count, out.scores.begin() + offset);
         });
  return out;
}

namespace {

// The host entry points: the CPU's checks and E_EMPTY before any device work, then the tables are
// uploaded and handed to a DeviceEvaluator.
struct HostTables {
  DeviceBuffer<float> users, items;
  HostTables(const MatrixView& u, const MatrixView& v)
      : users(u.data, static_cast<size_t>(u.rows) * u.cols, "user embeddings"),
        items(v.data, static_cast<size_t>(v.rows) * v.cols, "item embeddings") {}
};

}  // namespace

EvalResult evaluateEmbeddings(const MatrixView& users, const MatrixView& items, const EvalSpec& spec,
                              const JobControl& ctl) {
  eval::validateTables(users, items, spec);
  eval::evaluatedUsers(*spec.truth);
  const DeviceEvaluator ev(spec);
  const HostTables d(users, items);
  return ev.evaluate(d.users.data(), d.items.data(), users.rows, items.rows, users.cols, ctl);
}

std::vector<EvalResult> evaluateEmbeddingPrefixes(const MatrixView& users, const MatrixView& items,
                                                  const std::vector<int32_t>& dims, const EvalSpec& spec,
                                                  const JobControl& ctl) {
  eval::validateTables(users, items, spec);
  validatePrefixDims(dims, users.cols, "dims");
  eval::evaluatedUsers(*spec.truth);
  const DeviceEvaluator ev(spec);
  const HostTables d(users, items);
  return ev.evaluatePrefixes(d.users.data(), d.items.data(), users.rows, items.rows, users.cols, dims, ctl);
}

TopKLists topK(const MatrixView& users, const MatrixView& items, const EvalSpec& spec, const JobControl& ctl) {
  eval::validateTables(users, items, spec);
  eval::evaluatedUsers(*spec.truth);
  const DeviceEvaluator ev(spec);
  const HostTables d(users, items);
  return ev.topK(d.users.data(), d.items.data(), users.rows, items.rows, users.cols, ctl);
}

}  // namespace rf::cuda
