// CEL's top-down cluster growth (ALGORITHMS.md Part B 3.1, "Split"): per-cluster statistics of
// the members' accumulated gradients, the leading principal direction of one cluster's centred
// member gradients by power iteration (O(members x dim) per iteration, never a members x members
// matrix), and the split of a cluster by the side of that direction each member projects to.
// Everything is deterministic for a seed, whatever the thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/cel_table.hpp"

namespace rf {

// Statistics of the per-entity gradient sums G (entities x dim, e.g. accumulated over a window of
// training steps) grouped by cluster.
struct ClusterGradStats {
  std::vector<int32_t> members;  // per cluster
  std::vector<double> variance;  // per cluster: sum_i ||G_i - mean_c||^2 (0 for < 2 members)
};
ClusterGradStats clusterGradStats(const ClusteredTable& t, const float* G);

// Leading eigenvector (unit length, sign fixed so its largest-magnitude coordinate is positive) of
// the covariance of the rows G[members] after centring, by `iterations` power steps from a seeded
// random start. Returns the Rayleigh quotient (leading eigenvalue times members) in *eigen.
std::vector<double> leadingDirection(const float* G, int32_t dim, const int32_t* members, int64_t m, int iterations,
                                     uint64_t seed, double* eigen = nullptr);

// The threshold that splits the values `proj` into a low and a high group with the largest
// between-group sum of squares (the optimal two-means cut of the 1-D projections; equal values
// stay on one side). With a heavy tail (one entity with many interactions pulling hard) this
// isolates the tail instead of halving the cluster at the mean.
double bestCut(const std::vector<double>& proj);

struct SplitOptions {
  int iterations = 20;    // power iterations per split
  int32_t minMembers = 2;  // clusters with fewer members never split
  uint64_t seed = 0;
  uint64_t round = 0;      // varies the power-iteration start between rounds
};

// One split round: splits up to `maxSplits` clusters, those with the largest gradient variance
// first (ties: lower id), each into itself and a free cluster id (a row with no members, lowest
// first). Members whose centred gradient projects on the leading direction above bestCut of the
// projections move to the new cluster, which starts as a copy of the parent row (and of the parent's rows in
// `extra` tables, e.g. Adam moments, capacity x dim each). A cluster whose projections are all
// on one side (identical gradients) is skipped. Returns the number of splits done.
int32_t splitRound(ClusteredTable& t, const float* G, int32_t maxSplits, const SplitOptions& o,
                   const std::vector<float*>& extra = {});

}  // namespace rf
