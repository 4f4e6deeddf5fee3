// Shared by the CEL core tests: one side's embedding spec.
#pragma once
#include <cstdint>

#include "recforge/cel_trainer.hpp"

namespace rftest {

inline rf::SideEmbedding celSide(rf::EmbeddingKind kind, int32_t clusters = 0, double ratio = 0, bool residual = false) {
  rf::SideEmbedding s;
  s.kind = kind;
  s.budget.clusters = clusters;
  s.budget.ratio = ratio;
  s.residual = residual;
  return s;
}

}  // namespace rftest
