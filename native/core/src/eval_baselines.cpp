// Non-personalized and random score sources for baseline evaluation.
#include "eval_scorers.hpp"
#include "recforge/rng.hpp"

namespace rf::eval {

void ItemScoreScorer::score(const int32_t*, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const {
  for (int r = 0; r < nu; ++r)
    for (int j = 0; j < ni; ++j) out[r * ld + j] = scores_[itemBegin + j];
}

void RandomScorer::score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const {
  for (int r = 0; r < nu; ++r)
    for (int j = 0; j < ni; ++j) {
      // Top 24 bits -> exact float in [0, 1); equal draws tie-break by item id like any score.
      const uint64_t h = hash3(seed_, static_cast<uint64_t>(users[r]), static_cast<uint64_t>(itemBegin + j));
      out[r * ld + j] = static_cast<float>(h >> 40) * 0x1.0p-24f;
    }
}

std::vector<float> itemDegrees(const Csr& train) {
  std::vector<float> deg(static_cast<size_t>(train.cols), 0.0f);
  for (int32_t c : train.indices) deg[c] += 1.0f;
  return deg;
}

}  // namespace rf::eval
