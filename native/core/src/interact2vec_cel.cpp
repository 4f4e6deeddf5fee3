// Interact2Vec over clustered embedding tables (docs/cel.md): the tables' creation, and the
// trainer's CEL part: shared rows for the SGD kernels, the scatter of each Adam step's row
// gradients into cluster rows, the per-entity gradient windows, and CEL's cluster steps (the
// split and reassignment of cel_trainer.hpp) with the entity's own SGNS loss.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "interact2vec_internal.hpp"
#include "recforge/error.hpp"
#include "recforge/interact2vec_cel.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {
constexpr uint64_t kOwnNegStream = 0x49325643454C4E47ull;  // "I2VCELNG"
constexpr int64_t kMaxOwnData = 256;  // own interactions (and negative draws) a reassignment looks at per entity
}  // namespace

CelModel createInteract2VecCel(const Csr& userItems, Interact2VecModel& model, const SideEmbedding& users,
                               const SideEmbedding& items) {
  const Interact2VecConfig& c = model.config;
  if (userItems.rows != c.users || userItems.cols != c.items)
    fail(code::kShape, "interact2vec: the train matrix does not match the model");
  if (users.bias || items.bias)
    fail(code::kInvalidArgument, "interact2vec: a per-entity bias is for MF-BPR only (embedding.bias)");
  std::vector<int64_t> du(static_cast<size_t>(c.users)), di(static_cast<size_t>(c.items), 0);
  for (int32_t u = 0; u < c.users; ++u) du[u] = userItems.degree(u);
  for (int32_t i : userItems.indices) ++di[i];
  CelModel cel = CelModel::build(c.dim, {c.users, c.items}, {model.users.data(), model.items.data()},
                                 {du.data(), di.data()}, users, items, c.seed);
  materializeInteract2Vec(cel, model);
  return cel;
}

void materializeInteract2Vec(const CelModel& cel, Interact2VecModel& model, int threads) {
  cel.gather(model.users.data(), model.items.data(), model.config.dim, {model.config.users, model.config.items},
             threads);
}

Interact2VecTrainer::Cel::Cel(Interact2VecTrainer& trainer, CelModel& cel, const CelSchedule& s)
    : tr(trainer), model(cel), schedule(s) {
  validateCelSchedule(s);
  const Interact2VecConfig& c = tr.model_.config;
  const bool adam = tr.options_.optimizer == I2vOptimizer::kAdam;
  for (int k = 0; k < 2; ++k) {
    I2vCelSide& sd = side[k];
    sd.t = &cel.table[k];
    sd.cel = cel.spec[k].kind == EmbeddingKind::kClustered;
    if (cel.spec[k].bias) fail(code::kInvalidArgument, "interact2vec: a per-entity bias is for MF-BPR only");
    const ClusteredTable& t = *sd.t;
    if (sd.cel) sd.window.assign(static_cast<size_t>(t.entities) * c.dim, 0.0f);
    if (!adam) continue;
    sd.m.assign(t.centers.size(), 0.0f);
    sd.v.assign(t.centers.size(), 0.0f);
    sd.mr.assign(t.residual.size(), 0.0f);
    sd.vr.assign(t.residual.size(), 0.0f);
    sd.staging.resize(static_cast<size_t>(t.entities) * c.dim);
    sd.gradSlots.resize(t.centers.size());
    sd.slot.assign(t.capacity, -1);
    if (!t.residual.empty()) sd.resSlot.assign(t.entities, -1);
  }
  materializeInteract2Vec(cel, tr.model_, tr.options_.threads);  // validates the shapes
  if (clustered()) itemUsers = transpose(tr.userItems_);
  refreshWindows();
}

void Interact2VecTrainer::Cel::refreshWindows() {
  for (I2vCelSide& sd : side) sd.collecting = sd.cel && sd.t->usedClusters() < sd.t->capacity;
}

void Interact2VecTrainer::Cel::materialize() { materializeInteract2Vec(model, tr.model_, tr.options_.threads); }

void Interact2VecTrainer::Cel::sgdTables(I2vSgdEpoch& e) {
  for (int k = 0; k < 2; ++k) {
    ClusteredTable& t = *side[k].t;
    detail::SharedRows& r = k == 0 ? e.U : e.V;
    r.W = t.centers.data();
    r.assign = model.spec[k].kind == EmbeddingKind::kFull ? nullptr : t.assign.data();
    r.residual = t.residual.empty() ? nullptr : t.residual.data();
    r.window = side[k].collecting ? side[k].window.data() : nullptr;
  }
  e.shared = true;
  e.residualLambda = schedule.residualLambda;
}

void Interact2VecTrainer::Cel::adamStep(I2vAdamState& st, const KerasAdam& adam, int threads) {
  const int32_t d = tr.model_.config.dim;
  for (int k = 0; k < 2; ++k) {
    I2vCelSide& sd = side[k];
    ClusteredTable& t = *sd.t;
    const RowGradients& rg = k == 0 ? st.users : st.items;
    const int64_t n = static_cast<int64_t>(rg.rowOf.size());
    for (int64_t q = 0; q < n; ++q)
      std::copy_n(rg.grad.data() + q * d, d, sd.staging.data() + static_cast<int64_t>(rg.rowOf[q]) * d);
    sd.rows.assign(rg.rowOf.begin(), rg.rowOf.end());
    std::sort(sd.rows.begin(), sd.rows.end());
    sd.touched.clear();
    const bool res = !t.residual.empty();
    if (res) sd.gradRes.resize(static_cast<size_t>(n) * d);
    scatterGradients(t, sd.rows.data(), n, sd.staging.data(), sd.gradSlots.data(), sd.touched, sd.slot.data(),
                     res ? sd.gradRes.data() : nullptr, static_cast<float>(schedule.residualLambda));
    kerasAdamRows(t.centers.data(), sd.m.data(), sd.v.data(), t.capacity, d, sd.slot.data(), sd.gradSlots.data(),
                  adam, st.step, threads);
    for (int32_t c : sd.touched) sd.slot[c] = -1;
    if (res) {
      for (int64_t q = 0; q < n; ++q) sd.resSlot[sd.rows[q]] = static_cast<int32_t>(q);
      kerasAdamRows(t.residual.data(), sd.mr.data(), sd.vr.data(), t.entities, d, sd.resSlot.data(),
                    sd.gradRes.data(), adam, st.step, threads);
      for (int32_t i : sd.rows) sd.resSlot[i] = -1;
    }
    if (sd.collecting) celAddToWindow(sd.window.data(), sd.rows.data(), n, sd.staging.data(), d);
  }
  materialize();
}

void Interact2VecTrainer::Cel::stepsDone(int64_t n) {
  const int64_t before = steps;
  steps += n;
  if (!online()) return;
  auto crossed = [&](int32_t every) { return every > 0 && steps / every > before / every; };
  const bool split = crossed(schedule.splitEvery), re = crossed(schedule.reassignEvery);
  if (split || re) clusterSteps(split, re);
}

void Interact2VecTrainer::Cel::epochDone() {
  if (clustered() && !schedule.online) clusterSteps(true, schedule.reassignEvery > 0);
  materialize();
}

void Interact2VecTrainer::Cel::clusterSteps(bool splitDue, bool reassignDue) {
  reassignDue = reassignDue && celReassignAllowed(schedule, tr.epoch_);
  if (reassignDue) materialize();  // SGD updates the rows, not the views
  for (int k = 0; k < 2; ++k) {
    I2vCelSide& sd = side[k];
    if (!sd.cel) continue;
    bool changed = false;
    if (splitDue) {
      std::vector<float*> extra;
      if (!sd.m.empty()) extra = {sd.m.data(), sd.v.data()};
      changed = celSplitStep(*sd.t, sd.window, schedule, tr.options_.seed, k, counters, extra);
    }
    if (reassignDue) {
      reassign(k);
      changed = true;
    }
    if (changed) gatherAll(*sd.t, k == 0 ? tr.model_.users.data() : tr.model_.items.data(), tr.options_.threads);
  }
  refreshWindows();
}

// Own data of an entity for reassignment: its terms of the SGNS objective with the other side's
// current vectors z, each softplus(-<c, v>) (ownLoss with alpha 0, scale 1). A user: each train
// item i as a positive (c = z_i) and K negatives per positive drawn from the training negative
// distribution (c = -z_j). An item: each train user u as a positive (c = z_u), plus the times it
// is drawn as a negative in an epoch, K x kept x P(item), capped, each against the user of a
// uniformly drawn interaction (c = -z_u). Draws are fixed for the round.
void Interact2VecTrainer::Cel::reassign(int k) {
  const Interact2VecModel& m = tr.model_;
  const int32_t d = m.config.dim, K = tr.options_.negatives;
  const Csr& ui = tr.userItems_;
  const Csr& own = k == 0 ? ui : itemUsers;
  const Csr& back = k == 0 ? itemUsers : ui;
  const float* other = k == 0 ? m.items.data() : m.users.data();
  const FrequencyNegatives& neg = *tr.negatives_;
  const double drawsPerItem = static_cast<double>(K) * static_cast<double>(tr.keptUsers_.size());
  const uint64_t round = static_cast<uint64_t>(counters.reassignRounds);
  const uint64_t seed = hash3(tr.options_.seed, kOwnNegStream, static_cast<uint64_t>(k));
  OwnDataFn data = [&](int32_t e, std::vector<float>& ctx, std::vector<double>& alpha) -> int64_t {
    const int64_t begin = own.indptr[e], pos = std::min(kMaxOwnData, own.indptr[e + 1] - begin);
    if (pos == 0) return 0;
    const int64_t negs = k == 0 ? pos * K
                                : std::min<int64_t>(kMaxOwnData, static_cast<int64_t>(std::ceil(drawsPerItem * neg.probability(e))));
    ctx.resize(static_cast<size_t>(pos + negs) * d);
    alpha.assign(static_cast<size_t>(pos + negs), 0.0);
    for (int64_t q = 0; q < pos; ++q)
      std::copy_n(other + static_cast<int64_t>(own.indices[begin + q]) * d, d, ctx.data() + q * d);
    Rng rng(seed, hash3(round, 0, static_cast<uint64_t>(e)));
    for (int64_t q = 0; q < negs; ++q) {
      float* c = ctx.data() + (pos + q) * d;
      int32_t j;
      if (k == 0) {
        const int32_t positive = own.indices[begin + q / K];
        j = neg.drawExcept(positive, positive, rng);
      } else {  // the user of a uniform interaction
        const int64_t at = static_cast<int64_t>(rng.below(static_cast<uint64_t>(ui.nnz())));
        j = static_cast<int32_t>(std::upper_bound(ui.indptr.begin(), ui.indptr.end(), at) - ui.indptr.begin() - 1);
      }
      if (j < 0) {  // no negative could avoid the positive: a constant term
        std::fill(c, c + d, 0.0f);
        continue;
      }
      const float* z = other + static_cast<int64_t>(j) * d;
      for (int32_t x = 0; x < d; ++x) c[x] = -z[x];
    }
    return pos + negs;
  };
  celReassignStep(*side[k].t, own, back, data, schedule, tr.options_.seed, k, 1.0, tr.options_.threads, counters);
}

double Interact2VecTrainer::Cel::squaredNorm() const {
  double sq = 0;
  for (const I2vCelSide& sd : side) {
    for (float x : sd.t->centers) sq += static_cast<double>(x) * x;
    for (float x : sd.t->residual) sq += static_cast<double>(x) * x;
  }
  return sq;
}


const CelCounters* Interact2VecTrainer::celCounters() const { return cel_ ? &cel_->counters : nullptr; }

}  // namespace rf
