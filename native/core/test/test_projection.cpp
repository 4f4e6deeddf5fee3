// projectionEmbeddings against a dense computation of items = Â_iu G and users = Â_ui items.
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "recforge/projection.hpp"
#include "recforge/rng.hpp"

TEST(projection_matches_dense_two_hop) {
  const int32_t M = 9, N = 7, d = 4;
  std::vector<int32_t> us{0, 0, 1, 2, 2, 2, 3, 5, 6, 6, 8}, is{0, 3, 3, 1, 2, 6, 0, 4, 4, 6, 2};
  rf::BipartiteGraph g = rf::buildGraph({us.data(), is.data(), static_cast<int64_t>(us.size()), M, N});
  rf::EmbeddingPair e = rf::projectionEmbeddings(g, d, 5, 2);
  // Reconstruct G from the same seeded stream the implementation uses.
  rf::Rng rng(5, 0);
  std::vector<double> G(M * d);
  for (auto& x : G) x = static_cast<float>(rng.normal() / std::sqrt(double(d)));
  std::vector<int> du(M, 0), di(N, 0);
  for (size_t k = 0; k < us.size(); ++k) ++du[us[k]], ++di[is[k]];
  std::vector<double> V(N * d, 0.0), U(M * d, 0.0);
  for (size_t k = 0; k < us.size(); ++k)
    for (int c = 0; c < d; ++c) V[is[k] * d + c] += G[us[k] * d + c] / std::sqrt(double(du[us[k]]) * di[is[k]]);
  for (size_t k = 0; k < us.size(); ++k)
    for (int c = 0; c < d; ++c) U[us[k] * d + c] += V[is[k] * d + c] / std::sqrt(double(du[us[k]]) * di[is[k]]);
  for (int k = 0; k < N * d; ++k) CHECK_NEAR(e.items[k], V[k], 1e-5);
  for (int k = 0; k < M * d; ++k) CHECK_NEAR(e.users[k], U[k], 1e-5);
  CHECK_THROWS_CODE(rf::projectionEmbeddings(g, 0, 1, 1), rf::code::kInvalidArgument);
}
