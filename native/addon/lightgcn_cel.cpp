#include "lightgcn_cel.hpp"

#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "lightgcn.hpp"
#include "option_fields.hpp"

namespace rfaddon {

namespace {

const char* const kKindNames[] = {"full", "clustered", "hashed", "frequency"};
const rf::EmbeddingKind kKinds[] = {rf::EmbeddingKind::kFull, rf::EmbeddingKind::kClustered, rf::EmbeddingKind::kHashed,
                                    rf::EmbeddingKind::kFrequency};

rf::SideEmbedding parseSide(const Napi::Object& parent, const char* key) {
  rf::SideEmbedding s;
  if (parent.Get(key).IsUndefined()) return s;
  Napi::Object o = optionsArg(parent.Get(key));
  s.kind = enumField(o, "kind", kKindNames, kKinds, s.kind);
  // The core checks the budget (E_INVALID_ARG: 0 clusters, more than entities, ratio < 1).
  if (!o.Get("clusters").IsUndefined()) s.budget.clusters = int32Field(o, "clusters", INT32_MIN, INT32_MAX, 0);
  if (!o.Get("ratio").IsUndefined()) s.budget.ratio = numberArg(o.Get("ratio"), "embedding.ratio");
  s.residual = boolArg(o.Get("residual"), "embedding.residual", false);
  s.hot = finiteField(o, "hot", 0.0, 0, false);
  s.bias = boolArg(o.Get("bias"), "embedding.bias", false);
  return s;
}

Napi::Object tableObject(Napi::Env env, const rf::CelModel& cel, int side) {
  const rf::ClusteredTable& t = cel.table[side];
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", kKindNames[static_cast<int>(cel.spec[side].kind)]);
  o.Set("capacity", t.capacity);
  o.Set("used", t.usedClusters());
  o.Set("stateBytes", static_cast<double>(cel.stateBytes(side)));
  o.Set("assign", toInt32Array(env, std::vector<int32_t>(t.assign)));
  o.Set("centers", toFloat32Array(env, std::vector<float>(t.centers)));
  if (!t.residual.empty()) o.Set("residual", toFloat32Array(env, std::vector<float>(t.residual)));
  if (!t.bias.empty()) o.Set("bias", toFloat32Array(env, std::vector<float>(t.bias)));
  return o;
}

}  // namespace

std::optional<CelConfig> parseCelConfig(const Napi::Value& v) {
  Napi::Object config = optionsArg(v);
  if (config.Get("embedding").IsUndefined()) return std::nullopt;
  Napi::Object o = optionsArg(config.Get("embedding"));
  CelConfig c;
  c.users = parseSide(o, "users");
  c.items = parseSide(o, "items");
  if (c.users.kind == rf::EmbeddingKind::kFull && c.items.kind == rf::EmbeddingKind::kFull) return std::nullopt;
  rf::CelSchedule& s = c.schedule;
  s.online = boolArg(o.Get("online"), "embedding.online", s.online);
  s.splitEvery = int32Field(o, "splitEvery", 0, INT32_MAX, s.splitEvery);
  s.reassignEvery = int32Field(o, "reassignEvery", 0, INT32_MAX, s.reassignEvery);
  s.candidates = int32Field(o, "candidates", 1, 1 << 16, s.candidates);
  s.powerIterations = int32Field(o, "iterations", 1, 10000, s.powerIterations);
  s.residualLambda = finiteField(o, "residualLambda", s.residualLambda, 0, false);
  s.reassignEpochs = int32Field(o, "reassignEpochs", 0, INT32_MAX, s.reassignEpochs);
  s.reassignMinGain = finiteField(o, "reassignMinGain", s.reassignMinGain, 0, false);
  return c;
}

Napi::Object celTablesObject(Napi::Env env, const rf::CelModel& cel, const rf::CelCounters* counters) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("users", tableObject(env, cel, 0));
  o.Set("items", tableObject(env, cel, 1));
  Napi::Object c = Napi::Object::New(env);
  const rf::CelCounters k = counters ? *counters : rf::CelCounters{};
  c.Set("splits", static_cast<double>(k.splits));
  c.Set("splitRounds", static_cast<double>(k.splitRounds));
  c.Set("moves", static_cast<double>(k.moves));
  c.Set("reassignRounds", static_cast<double>(k.reassignRounds));
  o.Set("counters", c);
  return o;
}

rf::CelModel celImportedTables(Napi::Env env, const rf::CelModel& cel, const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::CelModel next = cel;
  for (int side = 0; side < 2; ++side) {
    const char* key = side == 0 ? "users" : "items";
    Napi::Object t = optionsArg(o.Get(key));
    rf::ClusteredTable& tab = next.table[side];
    tab.assign = int32Vector(t.Get("assign"), "clusters.assign");
    tab.centers = float32Vector(t.Get("centers"), "clusters.centers");
    tab.residual = t.Get("residual").IsUndefined() ? std::vector<float>{} : float32Vector(t.Get("residual"), "clusters.residual");
    if (tab.residual.empty() != cel.table[side].residual.empty())
      throwError(env, rf::code::kShape, std::string(key) + ": residual present in one of the model and the state only");
    tab.bias = t.Get("bias").IsUndefined() ? std::vector<float>{} : float32Vector(t.Get("bias"), "clusters.bias");
    if (tab.bias.empty() != cel.table[side].bias.empty())
      throwError(env, rf::code::kShape, std::string(key) + ": bias present in one of the model and the state only");
  }
  return next;
}

Napi::Value celClusters(Napi::Env env, const std::shared_ptr<LightGcnState>& s) {
  if (!s->cel) return env.Undefined();
  BusyLease lease(env, s, "read the clusters");
  return celTablesObject(env, *s->cel, s->celTrainer ? &s->celTrainer->counters() : nullptr);
}

void celImportClusters(Napi::Env env, const std::shared_ptr<LightGcnState>& s, const Napi::Value& v) {
  if (!s->cel) throwError(env, rf::code::kInvalidArgument, "the model has no clustered embedding tables");
  BusyLease lease(env, s, "import clusters");
  rf::CelModel next = celImportedTables(env, *s->cel, v);
  next.materialize(s->model);  // validates (E_SHAPE / E_OUT_OF_RANGE) before anything changes
  *s->cel = std::move(next);
  s->packed.reset();
  s->rank.reset();
  s->final.reset();
}

}  // namespace rfaddon
