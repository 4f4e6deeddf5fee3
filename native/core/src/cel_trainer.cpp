#include "recforge/cel_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "recforge/cel_reassign.hpp"
#include "recforge/cel_split.hpp"
#include "recforge/error.hpp"
#include "recforge/optimizer.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {

enum Stream : uint64_t { kHashSide = 0xCE10, kReassignNeg = 0xCE11 };
constexpr int64_t kMaxOwnData = 256;  // own interactions a reassignment looks at per entity

int64_t sideOffset(const LightGcnModel& m, int side) { return side == 0 ? 0 : static_cast<int64_t>(m.config.users) * m.config.dim; }

std::vector<int64_t> degrees(const Csr& c) {
  std::vector<int64_t> d(c.rows);
  for (int32_t r = 0; r < c.rows; ++r) d[r] = c.indptr[r + 1] - c.indptr[r];
  return d;
}

}  // namespace

CelModel CelModel::build(int32_t dim, const std::array<int32_t, 2>& entities, const std::array<const float*, 2>& rows,
                         const std::array<const int64_t*, 2>& degree, const SideEmbedding& users,
                         const SideEmbedding& items, uint64_t seed) {
  CelModel cel;
  cel.spec = {users, items};
  for (int s = 0; s < 2; ++s) {
    const SideEmbedding& e = cel.spec[s];
    const int32_t n = entities[s];
    const char* name = s == 0 ? "users" : "items";
    if (e.kind == EmbeddingKind::kFull) {
      if (e.residual) fail(code::kInvalidArgument, std::string("a full ") + name + " table has no residual");
      cel.table[s] = ClusteredTable::create(n, dim, n, ClusterInit::kFull, rows[s], false, seed);
      continue;
    }
    int32_t capacity;
    try {
      capacity = resolveClusterCount(e.budget, n);
    } catch (const Error& err) {
      fail(err.code(), std::string(name) + " embedding: " + err.what());
    }
    if (!(e.hot >= 0 && e.hot <= 1) || (e.hot > 0 && e.kind != EmbeddingKind::kClustered))
      fail(code::kInvalidArgument, std::string(name) + " embedding: hot must be in [0, 1], for a clustered table only");
    const int32_t hot = static_cast<int32_t>(std::floor(e.hot * capacity));
    const ClusterInit init = e.kind == EmbeddingKind::kClustered ? (hot > 0 ? ClusterInit::kHotTail : ClusterInit::kSingle)
                             : e.kind == EmbeddingKind::kHashed  ? ClusterInit::kHashed
                                                                 : ClusterInit::kFrequency;
    cel.table[s] = ClusteredTable::create(n, dim, capacity, init, rows[s], e.residual,
                                          hash3(seed, kHashSide, static_cast<uint64_t>(s)), degree[s], hot);
  }
  return cel;
}

CelModel CelModel::create(const BipartiteGraph& g, LightGcnModel& model, const SideEmbedding& users,
                          const SideEmbedding& items, uint64_t seed) {
  const auto du = degrees(g.userItems), di = degrees(g.itemUsers);
  CelModel cel = build(model.config.dim, {model.config.users, model.config.items},
                       {model.ego.data(), model.ego.data() + sideOffset(model, 1)}, {du.data(), di.data()}, users, items,
                       seed);
  const bool b0 = cel.spec[0].bias, b1 = cel.spec[1].bias;
  if (b0 || b1) {
    if (b0 && b1) fail(code::kInvalidArgument, "a bias on one side only (the other side's last coordinate is held at 1)");
    const int s = b0 ? 0 : 1;
    if (cel.spec[s].kind == EmbeddingKind::kFull) fail(code::kInvalidArgument, "a bias needs a shared (non-full) table");
    if (model.config.layers != 0 || model.config.dim < 2)
      fail(code::kInvalidArgument, "a bias needs MF-BPR (layers 0) and dim >= 2");
    const int32_t d = model.config.dim;
    ClusteredTable& t = cel.table[s];
    ClusteredTable& o = cel.table[1 - s];
    t.bias.assign(t.entities, 0.0f);
    for (int32_t c = 0; c < t.capacity; ++c) t.centers[static_cast<int64_t>(c) * d + d - 1] = 0.0f;
    for (int32_t c = 0; c < o.capacity; ++c) o.centers[static_cast<int64_t>(c) * d + d - 1] = 1.0f;
    if (!o.residual.empty())
      for (int32_t i = 0; i < o.entities; ++i) o.residual[static_cast<int64_t>(i) * d + d - 1] = 0.0f;
  }
  cel.materialize(model);
  return cel;
}

void CelModel::gather(float* users, float* items, int32_t dim, const std::array<int32_t, 2>& entities,
                      int threads) const {
  for (int s = 0; s < 2; ++s) {  // every check before anything is written
    table[s].validate();
    if (table[s].entities != entities[s] || table[s].dim != dim)
      fail(code::kShape, "clustered table does not match the model's shape");
  }
  for (int s = 0; s < 2; ++s) gatherAll(table[s], s == 0 ? users : items, threads);
}

void CelModel::materialize(LightGcnModel& model, int threads) const {
  gather(model.ego.data(), model.ego.data() + sideOffset(model, 1), model.config.dim,
         {model.config.users, model.config.items}, threads);
}

int64_t CelModel::stateBytes(int side) const {
  const ClusteredTable& t = table[side];
  const bool needsAssign = spec[side].kind != EmbeddingKind::kFull && spec[side].kind != EmbeddingKind::kHashed;
  return t.parameterCount() * 4 + (needsAssign ? static_cast<int64_t>(t.entities) * 4 : 0);
}

int32_t CelModel::ruleCluster(int side, int64_t id) const {
  const ClusteredTable& t = table[side];
  switch (spec[side].kind) {
    case EmbeddingKind::kHashed:
      return t.hashBucket(id);
    case EmbeddingKind::kFrequency:
      return t.capacity - 1;
    default:
      return -1;
  }
}

void validateCelSchedule(const CelSchedule& schedule) {
  if (schedule.splitEvery < 0 || schedule.reassignEvery < 0 || schedule.candidates < 1 || schedule.powerIterations < 1 ||
      schedule.minMembers < 2 || !(schedule.residualLambda >= 0) || schedule.reassignEpochs < 0 ||
      !(schedule.reassignMinGain >= 0 && schedule.reassignMinGain < 1))
    fail(code::kInvalidArgument, "bad CEL schedule (splitEvery/reassignEvery >= 0, candidates >= 1, iterations >= 1, minMembers >= 2, residualLambda >= 0, reassignMinGain in [0, 1))");
}

bool celSplitStep(ClusteredTable& tab, std::vector<float>& window, const CelSchedule& schedule, uint64_t seed, int side,
                  CelCounters& counters, const std::vector<float*>& extra) {
  bool changed = false;
  const int32_t free = tab.capacity - tab.usedClusters();
  if (free > 0) {
    SplitOptions so;
    so.iterations = schedule.powerIterations;
    so.minMembers = schedule.minMembers;
    so.seed = hash3(seed, 0xCE12, static_cast<uint64_t>(side));
    so.round = static_cast<uint64_t>(counters.splitRounds);
    counters.splits += splitRound(tab, window.data(), free, so, extra);
    ++counters.splitRounds;
    changed = true;
  }
  std::fill(window.begin(), window.end(), 0.0f);
  return changed;
}

void celReassignStep(ClusteredTable& tab, const Csr& own, const Csr& back, const OwnDataFn& data,
                     const CelSchedule& schedule, uint64_t seed, int side, double scale, int threads,
                     CelCounters& counters) {
  ReassignOptions ro;
  ro.candidates = schedule.candidates;
  ro.scale = scale;
  ro.seed = hash3(seed, 0xCE13, static_cast<uint64_t>(side));
  ro.round = static_cast<uint64_t>(counters.reassignRounds);
  ro.threads = threads;
  ro.minGain = schedule.reassignMinGain;
  counters.moves += reassignRound(tab, own, back, data, ro);
  ++counters.reassignRounds;
}

int64_t celStepsToNextClusterStep(const CelSchedule& s, int64_t steps) {
  int64_t next = -1;
  for (int64_t every : {static_cast<int64_t>(s.splitEvery), static_cast<int64_t>(s.reassignEvery)})
    if (every > 0) {
      const int64_t m = every - steps % every;
      if (next < 0 || m < next) next = m;
    }
  return next;
}

void celAddToWindow(float* window, const int32_t* rows, int64_t n, const float* G, int32_t d) {
  for (int64_t q = 0; q < n; ++q) {
    float* w = window + static_cast<int64_t>(rows[q]) * d;
    const float* g = G + static_cast<int64_t>(rows[q]) * d;
    for (int32_t j = 0; j < d; ++j) w[j] += g[j];
  }
}

// Optimizer state and workspaces of one side.
struct CelTrainer::Side {
  int index = 0;
  int64_t offset = 0;  // first value of the side in model.ego
  ClusteredTable* t = nullptr;
  bool cel = false;
  std::vector<float> m, v, mr, vr;  // Adam moments of the centers and of the residual
  std::vector<float> mb, vb, gradBias;  // bias: Adam moments and the batch's gradients
  bool biased = false, constOne = false;  // this side's last coordinate: the bias / held at 1
  std::vector<float> gradSlots, gradRes;
  std::vector<int32_t> rows, touched, slot;
  std::vector<uint8_t> skip;
  std::vector<float> window;  // per-entity gradient sums since the last split round (CEL)
};

CelTrainer::CelTrainer(const BipartiteGraph& g, LightGcnModel& model, CelModel& cel, const TrainOptions& o,
                       const CelSchedule& schedule)
    : graph_(g), model_(model), cel_(cel), opt_(o), schedule_(schedule) {
  validateCelSchedule(schedule);
  cel.materialize(model, o.threads);
  TrainOptions inner = o;
  inner.optimizer = OptimizerKind::kSgd;  // the inner trainer only computes gradients: no moments
  inner_ = std::make_unique<LightGcnTrainer>(g, model, inner);
  const int32_t d = model.config.dim;
  for (int s = 0; s < 2; ++s) {
    auto side = std::make_unique<Side>();
    side->index = s;
    side->offset = sideOffset(model, s);
    side->t = &cel.table[s];
    side->cel = cel.spec[s].kind == EmbeddingKind::kClustered;
    const ClusteredTable& t = *side->t;
    side->biased = !t.bias.empty();
    side->constOne = !cel.table[1 - s].bias.empty();
    if (side->biased && o.optimizer != OptimizerKind::kSgd) {
      side->mb.assign(t.bias.size(), 0.0f);
      side->vb.assign(t.bias.size(), 0.0f);
    }
    if (o.optimizer != OptimizerKind::kSgd) {
      side->m.assign(t.centers.size(), 0.0f);
      side->v.assign(t.centers.size(), 0.0f);
      side->mr.assign(t.residual.size(), 0.0f);
      side->vr.assign(t.residual.size(), 0.0f);
    }
    side->gradSlots.resize(t.centers.size());
    side->slot.assign(t.capacity, -1);
    side->skip.assign(std::max(t.capacity, t.entities), 0);
    if (side->cel) side->window.assign(static_cast<size_t>(t.entities) * d, 0.0f);
    sides_.push_back(std::move(side));
  }
  gradEgo_.resize(model.ego.size());
  rowMark_.assign(model.rows(), 0);
}

CelTrainer::~CelTrainer() = default;

namespace {

// The optimizer on the listed rows of P (gradient row q for rows[q]); dense Adam also moves the
// other rows of [0, total) with a zero gradient, exactly as LightGcnTrainer does.
void updateRows(const TrainOptions& o, const AdamStep& s, float* P, float* M, float* V, int32_t d, const int32_t* rows,
                int64_t n, const float* G, int64_t total, uint8_t* skip) {
  if (o.optimizer == OptimizerKind::kSgd) return sgdUpdateRows(P, d, rows, n, G, static_cast<float>(o.adam.lr));
  adamUpdateRows(P, M, V, d, rows, n, G, s);
  if (o.optimizer != OptimizerKind::kAdam) return;
  for (int64_t q = 0; q < n; ++q) skip[rows[q]] = 1;
  const int64_t block = 1024, blocks = (total + block - 1) / block;
  parallelTasks(blocks, resolveThreads(o.threads, total / 2048 + 1), [&](int64_t b, int) {
    adamUpdateZeroGradRows(P, M, V, d, b * block, std::min(total, (b + 1) * block), skip, s);
  });
  for (int64_t q = 0; q < n; ++q) skip[rows[q]] = 0;
}

}  // namespace

BprLoss CelTrainer::step(const BprTriple* t, int64_t n, int64_t epoch, int64_t first) {
  const int32_t d = model_.config.dim;
  const BprLoss loss = inner_->gradientRows(t, n, epoch, first, [&](const int32_t* r, int64_t cnt, const float* g, int) {
    for (int64_t q = 0; q < cnt; ++q) {
      std::copy(g + q * d, g + (q + 1) * d, gradEgo_.data() + static_cast<int64_t>(r[q]) * d);
      rowMark_[r[q]] = 1;
    }
  });
  const AdamStep s = AdamStep::at(opt_.adam, steps_ + 1);
  for (auto& sp : sides_) {
    Side& side = *sp;
    ClusteredTable& tab = *side.t;
    const int64_t base = side.offset / d;
    side.rows.clear();
    for (int32_t i = 0; i < tab.entities; ++i)
      if (rowMark_[base + i]) side.rows.push_back(i), rowMark_[base + i] = 0;
    const int64_t cnt = static_cast<int64_t>(side.rows.size());
    float* G = gradEgo_.data() + side.offset;
    if (side.biased || side.constOne) {  // the last coordinate: the bias's gradient, or held at 1
      if (side.biased) side.gradBias.resize(cnt);
      for (int64_t q = 0; q < cnt; ++q) {
        float& g = G[static_cast<int64_t>(side.rows[q]) * d + d - 1];
        if (side.biased) side.gradBias[q] = g;
        g = 0.0f;
      }
      if (side.biased)
        updateRows(opt_, s, tab.bias.data(), side.mb.data(), side.vb.data(), 1, side.rows.data(), cnt,
                   side.gradBias.data(), tab.entities, side.skip.data());
    }
    side.touched.clear();
    if (!tab.residual.empty()) side.gradRes.resize(cnt * d);
    scatterGradients(tab, side.rows.data(), cnt, G, side.gradSlots.data(), side.touched, side.slot.data(),
                     tab.residual.empty() ? nullptr : side.gradRes.data(), static_cast<float>(schedule_.residualLambda));
    updateRows(opt_, s, tab.centers.data(), side.m.data(), side.v.data(), d, side.touched.data(),
               static_cast<int64_t>(side.touched.size()), side.gradSlots.data(), tab.capacity, side.skip.data());
    for (int32_t c : side.touched) side.slot[c] = -1;
    if (!tab.residual.empty())
      updateRows(opt_, s, tab.residual.data(), side.mr.data(), side.vr.data(), d, side.rows.data(), cnt,
                 side.gradRes.data(), tab.entities, side.skip.data());
    if (side.cel) celAddToWindow(side.window.data(), side.rows.data(), cnt, G, d);
    gatherAll(tab, model_.ego.data() + side.offset, opt_.threads);
  }
  ++steps_;
  if (schedule_.online) {
    const bool split = schedule_.splitEvery > 0 && steps_ % schedule_.splitEvery == 0;
    const bool re = schedule_.reassignEvery > 0 && steps_ % schedule_.reassignEvery == 0;
    if (split || re) clusterSteps(split, re);
  }
  return loss;
}

void CelTrainer::clusterSteps(bool splitDue, bool reassignDue) {
  reassignDue = reassignDue && celReassignAllowed(schedule_, epoch_);
  for (auto& sp : sides_) {
    Side& side = *sp;
    if (!side.cel) continue;
    ClusteredTable& tab = *side.t;
    bool changed = false;
    if (splitDue) {
      std::vector<float*> extra;
      if (!side.m.empty()) extra = {side.m.data(), side.v.data()};
      changed = celSplitStep(tab, side.window, schedule_, opt_.seed, side.index, counters_, extra);
    }
    if (reassignDue) {
      reassign(side.index);
      changed = true;
    }
    if (changed) gatherAll(tab, model_.ego.data() + side.offset, opt_.threads);
  }
}

// Own data of an entity for reassignment: its terms of the BPR objective as training samples
// it. A user: each of its train items against one hashed uniform negative item. An item: each of
// its train users as a positive (against a hashed negative item), plus the times it is drawn as
// a uniform negative in an epoch (nnz / items on average: a hashed user and one of that user's
// items). Without the negative terms every item would prefer the cluster row with the largest
// projection on its users, and the big rows would swallow everything. Draws are fixed for the
// round, so every candidate sees the same data.
void CelTrainer::reassign(int s) {
  const int32_t d = model_.config.dim, users = model_.config.users, items = model_.config.items;
  std::vector<float> finalAll;
  const float* z = model_.ego.data();
  if (model_.config.layers > 0) {
    finalAll = model_.finalEmbeddings(graph_, opt_.threads);
    z = finalAll.data();
  }
  const double scale = 1.0 / (model_.config.layers + 1);
  const Csr& own = s == 0 ? graph_.userItems : graph_.itemUsers;
  const Csr& back = s == 0 ? graph_.itemUsers : graph_.userItems;
  const Csr& ui = graph_.userItems;
  const float* ego = model_.ego.data();
  const uint64_t round = static_cast<uint64_t>(counters_.reassignRounds);
  const uint64_t seed = hash3(opt_.seed, kReassignNeg, static_cast<uint64_t>(s));
  const int64_t selfBase = s == 0 ? 0 : users;
  const float* bias = cel_.table[s].bias.empty() ? nullptr : cel_.table[s].bias.data();
  const int64_t negTerms = s == 0 || items == 0 ? 0 : std::min<int64_t>(kMaxOwnData, (graph_.nnz() + items - 1) / items);
  OwnDataFn data = [&](int32_t e, std::vector<float>& ctx, std::vector<double>& alpha) -> int64_t {
    const int64_t begin = own.indptr[e], k = std::min(kMaxOwnData, own.indptr[e + 1] - begin);
    if (k == 0) return 0;
    const int64_t total = k + negTerms;
    ctx.resize(total * d);
    alpha.resize(total);
    const float* ze = z + (selfBase + e) * d;
    const float* ee = ego + (selfBase + e) * d;
    const uint64_t h0 = hash3(seed, round, static_cast<uint64_t>(e));
    auto rest = [&](const float* c) {  // <c, r_e>, r_e = z_e - scale * ego_e (+ scale x the bias: not in v)
      double a = 0;
      for (int32_t j = 0; j < d; ++j) a += static_cast<double>(c[j]) * (ze[j] - scale * ee[j]);
      if (bias) a += static_cast<double>(c[d - 1]) * scale * bias[e];
      return a;
    };
    for (int64_t q = 0; q < k; ++q) {
      const int32_t partner = own.indices[begin + q];
      const uint64_t neg = hash3(h0, 0, static_cast<uint64_t>(q)) % static_cast<uint64_t>(items);
      const float* zj = z + (users + static_cast<int64_t>(neg)) * d;
      float* c = ctx.data() + q * d;
      if (s == 0) {  // user e, item partner: softplus(<z'_e, z_j - z_i>)
        const float* zi = z + (users + static_cast<int64_t>(partner)) * d;
        for (int32_t j = 0; j < d; ++j) c[j] = zi[j] - zj[j];
        alpha[q] = -rest(c);
      } else {  // item e as the positive of user partner: softplus(<z_u, z_j> - <z_u, z'_e>)
        const float* zu = z + static_cast<int64_t>(partner) * d;
        double uj = 0;
        for (int32_t j = 0; j < d; ++j) c[j] = zu[j], uj += static_cast<double>(zu[j]) * zj[j];
        alpha[q] = uj - rest(c);
      }
    }
    for (int64_t q = 0; q < negTerms; ++q) {  // item e as the negative of a user u and its item p
      const uint64_t h = hash3(h0, 1, static_cast<uint64_t>(q));
      const int32_t u = static_cast<int32_t>(h % static_cast<uint64_t>(users));
      const int64_t du = ui.indptr[u + 1] - ui.indptr[u];
      float* c = ctx.data() + (k + q) * d;
      const float* zu = z + static_cast<int64_t>(u) * d;
      if (du == 0) {  // no positive to compare with: a zero term (constant in v)
        std::fill(c, c + d, 0.0f);
        alpha[k + q] = 0;
        continue;
      }
      const int32_t p = ui.indices[ui.indptr[u] + static_cast<int64_t>((h >> 32) % static_cast<uint64_t>(du))];
      const float* zp = z + (users + static_cast<int64_t>(p)) * d;
      double up = 0;
      for (int32_t j = 0; j < d; ++j) c[j] = -zu[j], up += static_cast<double>(zu[j]) * zp[j];
      alpha[k + q] = -rest(c) - up;  // softplus(<z_u, z'_e> - <z_u, z_p>) = softplus(alpha - scale <c, v>)
    }
    return total;
  };
  celReassignStep(cel_.table[s], own, back, data, schedule_, opt_.seed, s, scale, opt_.threads, counters_);
}

CelTrainerState CelTrainer::state() const {
  CelTrainerState st;
  st.steps = steps_;
  st.counters = counters_;
  for (int s = 0; s < 2; ++s) {
    const Side& side = *sides_[s];
    st.sides[s] = {side.m, side.v, side.mr, side.vr, side.mb, side.vb, side.window};
  }
  return st;
}

void CelTrainer::restore(CelTrainerState st) {
  const CelCounters& k = st.counters;
  if (st.steps < 0 || k.splits < 0 || k.splitRounds < 0 || k.moves < 0 || k.reassignRounds < 0)
    fail(code::kInvalidArgument, "CEL trainer state: steps and counters must be >= 0");
  for (int s = 0; s < 2; ++s) {
    const Side& side = *sides_[s];
    CelSideState& in = st.sides[s];
    const char* name = s == 0 ? "users" : "items";
    const std::pair<const std::vector<float>*, const std::vector<float>*> parts[] = {
        {&side.m, &in.m}, {&side.v, &in.v}, {&side.mr, &in.mr}, {&side.vr, &in.vr},
        {&side.mb, &in.mb}, {&side.vb, &in.vb}, {&side.window, &in.window}};
    const char* partNames[] = {"m", "v", "residual m", "residual v", "bias m", "bias v", "window"};
    for (int q = 0; q < 7; ++q) {
      const auto& [mine, theirs] = parts[q];
      if (mine->size() != theirs->size())
        fail(code::kShape, std::string("CEL trainer state: ") + name + " " + partNames[q] + " has " +
                               std::to_string(theirs->size()) + " values, this run needs " + std::to_string(mine->size()));
      for (float x : *theirs)
        if (!std::isfinite(x)) fail(code::kNonFinite, std::string("CEL trainer state: ") + name + " " + partNames[q] + " holds NaN or Inf");
    }
  }
  steps_ = st.steps;
  counters_ = st.counters;
  for (int s = 0; s < 2; ++s) {
    Side& side = *sides_[s];
    CelSideState& in = st.sides[s];
    side.m.swap(in.m), side.v.swap(in.v), side.mr.swap(in.mr), side.vr.swap(in.vr);
    side.mb.swap(in.mb), side.vb.swap(in.vb), side.window.swap(in.window);
  }
}

double CelTrainer::trainEpoch(int64_t epoch, const JobControl& ctl) {
  epoch_ = epoch;
  const EpochPlan plan = inner_->planOf(epoch, ctl);
  double sum = 0;
  int64_t counted = 0;
  for (int64_t b = 0; b < plan.batches(); ++b) {
    ctl.checkCancelled();
    const int64_t begin = plan.batchStart[b], end = plan.batchStart[b + 1];
    if (end == begin) continue;
    sum += step(plan.triples.data() + begin, end - begin, epoch, begin).loss;
    ++counted;
    ctl.report(static_cast<double>(b + 1) / plan.batches());
  }
  if (!schedule_.online) clusterSteps(true, schedule_.reassignEvery > 0);
  return counted ? sum / counted : 0.0;
}

}  // namespace rf
