// Clustered embedding tables (CEL) of a NativeLightGcn: the `embedding` field of the create
// config, and the sync methods that read and replace the tables.
//   config.embedding = { users?: Side, items?: Side, online?, splitEvery?, reassignEvery?,
//                        candidates?, iterations?, residualLambda? },
//   Side = { kind: 'full' | 'clustered' | 'hashed' | 'frequency', clusters? | ratio?, residual? }
//   m.clusters() -> undefined | { users: Table, items: Table, counters }
//   m.importClusters({ users: Table, items: Table }) (then model.ego is the gathered view)
//   Table = { kind, capacity, assign: Int32Array, centers: Float32Array, residual?: Float32Array,
//             used, stateBytes }
#pragma once
#include <napi.h>

#include <memory>
#include <optional>

#include "recforge/cel_trainer.hpp"

namespace rfaddon {

struct LightGcnState;

struct CelConfig {
  rf::SideEmbedding users, items;
  rf::CelSchedule schedule;
};

// std::nullopt when config.embedding is absent or both sides are full.
std::optional<CelConfig> parseCelConfig(const Napi::Value& config);
Napi::Value celClusters(Napi::Env env, const std::shared_ptr<LightGcnState>& s);
void celImportClusters(Napi::Env env, const std::shared_ptr<LightGcnState>& s, const Napi::Value& v);

// Shared with Interact2Vec's binding (interact2vec.cpp). { users: Table, items: Table, counters }
// of `cel`, counters of the current run (zeros when null).
Napi::Object celTablesObject(Napi::Env env, const rf::CelModel& cel, const rf::CelCounters* counters);
// A copy of `cel` with the tables of `v` ({ users: Table, items: Table }: assign, centers and,
// when the model has them, residual / bias; E_SHAPE when one is present in only one of the two).
// The caller gathers it, which checks the shapes, before replacing anything.
rf::CelModel celImportedTables(Napi::Env env, const rf::CelModel& cel, const Napi::Value& v);

}  // namespace rfaddon
