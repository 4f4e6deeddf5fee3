// Shared by the Interact2Vec core tests: a seeded model over a train set, and Recall@20 of a
// model's tables (or of popularity) on synthetic data's test split.
#pragma once
#include <cstdint>

#include "recforge/csr.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/interact2vec.hpp"
#include "recforge/synthetic.hpp"

namespace rftest {

inline rf::Interact2VecModel i2vModelFor(const rf::Interactions& x, int32_t dim, uint64_t seed) {
  rf::Interact2VecConfig c;
  c.users = x.nUsers;
  c.items = x.nItems;
  c.dim = dim;
  c.seed = seed;
  return rf::Interact2VecModel::create(c);
}

inline rf::Csr csrOf(const rf::Interactions& x) {
  return rf::buildCsr(x.users.data(), x.items.data(), x.size(), x.nUsers, x.nItems);
}

// Recall@20 on d.test (train items masked) of m's tables, or of popularity when m is null.
inline double i2vRecallAt20(const rf::SyntheticData& d, const rf::Interact2VecModel* m) {
  const rf::Csr train = csrOf(d.train), test = csrOf(d.test);
  rf::EvalSpec spec;
  spec.truth = &test;
  spec.mask = &train;
  spec.ks = {20};
  const rf::EvalResult r = m ? rf::evaluateEmbeddings({m->users.data(), m->config.users, m->config.dim},
                                                      {m->items.data(), m->config.items, m->config.dim}, spec)
                             : rf::evaluatePopularity(train, spec);
  return r.meanOf(rf::Metric::Recall, 0);
}

}  // namespace rftest
