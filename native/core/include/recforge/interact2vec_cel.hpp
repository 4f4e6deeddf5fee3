// Clustered embedding tables (CEL and its equal-memory baselines, docs/cel.md) for Interact2Vec:
// the same ClusteredTable / CelModel as LightGCN's, with model.users / model.items as the gathered
// views that recommendation, evaluation and fold-in read unchanged. Interact2VecTrainer (given
// the CelModel) trains the cluster rows; see interact2vec.hpp.
#pragma once
#include "recforge/cel_trainer.hpp"
#include "recforge/csr.hpp"
#include "recforge/interact2vec.hpp"

namespace rf {

// Tables over a model: centers start as the model's first `capacity` rows of each side, the
// frequency and hot starts rank entities by their train interactions (userItems: the deduplicated
// train CSR, users x items), hashing is seeded by the model's seed; then model.users /
// model.items are gathered. E_INVALID_ARG for a bad budget (see resolveClusterCount), a residual
// on a full side or a bias (MF-BPR only); E_SHAPE when userItems does not match the model.
CelModel createInteract2VecCel(const Csr& userItems, Interact2VecModel& model, const SideEmbedding& users,
                               const SideEmbedding& items);

// model.users / model.items = the gathered views of cel's tables. E_SHAPE / E_OUT_OF_RANGE (and
// nothing changed) when the tables do not fit the model.
void materializeInteract2Vec(const CelModel& cel, Interact2VecModel& model, int threads = 0);

}  // namespace rf
