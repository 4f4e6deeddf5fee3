// Interact2Vec tables and their seeded initialisation.
#include <algorithm>
#include <cmath>

#include "recforge/error.hpp"
#include "recforge/interact2vec.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {
constexpr uint64_t kInitStream = 0x4932564E49544142ull;  // "I2VINITB"
constexpr int64_t kInitBlockRows = 1024;  // one random stream per block: same bits for any thread count

// Fills rows x dim with U(-bound, bound), block b of rows from stream (seed, table, b).
void fillUniform(std::vector<float>& t, int64_t rows, int32_t dim, double bound, uint64_t seed, uint64_t table,
                 int threads) {
  t.assign(static_cast<size_t>(rows) * dim, 0.0f);
  if (bound == 0) return;
  const int64_t blocks = (rows + kInitBlockRows - 1) / kInitBlockRows;
  parallelChunks(blocks, resolveThreads(threads, blocks), [&](int64_t b0, int64_t b1, int) {
    for (int64_t b = b0; b < b1; ++b) {
      Rng rng(seed, hash3(kInitStream, table, static_cast<uint64_t>(b)));
      const int64_t end = std::min(rows, (b + 1) * kInitBlockRows) * dim;
      for (int64_t k = b * kInitBlockRows * dim; k < end; ++k)
        t[k] = static_cast<float>(bound * (2.0 * rng.uniform() - 1.0));
    }
  });
}
}  // namespace

Interact2VecModel Interact2VecModel::create(const Interact2VecConfig& c, int threads) {
  if (c.users < 0 || c.items < 0) fail(code::kInvalidArgument, "users and items must be >= 0");
  if (c.dim < 1) fail(code::kInvalidArgument, "dim must be >= 1");
  if (!std::isfinite(c.initRange) || c.initRange < 0) fail(code::kInvalidArgument, "initRange must be finite and >= 0");
  Interact2VecModel m;
  m.config = c;
  if (c.init == I2vInit::kUniform) {
    fillUniform(m.users, c.users, c.dim, c.initRange, c.seed, 0, threads);
    fillUniform(m.items, c.items, c.dim, c.initRange, c.seed, 1, threads);
  } else {
    // word2vec: small random input rows, zero output rows (the first updates come from the input).
    fillUniform(m.users, c.users, c.dim, 0.5 / c.dim, c.seed, 0, threads);
    fillUniform(m.items, c.items, c.dim, 0.0, c.seed, 1, threads);
  }
  return m;
}

}  // namespace rf
