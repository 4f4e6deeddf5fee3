// Issue 6: the single-query serving path (rf::retrieveOne) route by route, in one process and
// interleaved (so machine noise hits every route alike): float panels, bf16 + certified bounds,
// int8 (AVX-512 VNNI) + certified bounds. Every route's result is checked bit for bit against the
// float route first.
//
//   bench_retrieve_one USERS.npy ITEMS.npy [TRAIN.txt] [--queries 2000] [--rounds 5] [--k 10]
//
// USERS.npy / ITEMS.npy: float32 [n, d] tables (e.g. from exportEmbeddings); TRAIN.txt: the
// `user item item ...` file whose rows are excluded (ids taken as table rows). Without files:
// random N(0, 0.1^2) tables of gowalla's shape.
#include <cstdio>
#include <cstring>
#include <string>

#include "bench_util.hpp"
#include "recforge/retrieval.hpp"

namespace {

bool readNpy(const std::string& path, std::vector<float>& out, int32_t& rows, int32_t& cols) {
  std::string t;
  if (!bench::readText(path, t) || t.size() < 10 || t.compare(1, 5, "NUMPY") != 0) return false;
  const size_t hl = t[6] == 1 ? (static_cast<uint8_t>(t[8]) | static_cast<uint8_t>(t[9]) << 8) : 0;
  const size_t off = t[6] == 1 ? 10 + hl : 0;
  const std::string h = t.substr(10, hl);
  if (h.find("<f4") == std::string::npos || h.find("'fortran_order': False") == std::string::npos) return false;
  const size_t s = h.find("'shape': (");
  if (s == std::string::npos) return false;
  if (std::sscanf(h.c_str() + s + 10, "%d, %d", &rows, &cols) != 2) return false;
  out.resize(static_cast<size_t>(rows) * cols);
  std::memcpy(out.data(), t.data() + off, out.size() * 4);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  int queries = 2000, rounds = 5, k = 10;
  for (int a = 1; a < argc; ++a) {
    const std::string s = argv[a];
    if (s == "--queries" && a + 1 < argc) queries = std::stoi(argv[++a]);
    else if (s == "--rounds" && a + 1 < argc) rounds = std::stoi(argv[++a]);
    else if (s == "--k" && a + 1 < argc) k = std::stoi(argv[++a]);
    else pos.push_back(s);
  }
  std::vector<float> U, V;
  int32_t nU = 0, nI = 0, d = 0, d2 = 0;
  if (pos.size() >= 2) {
    if (!readNpy(pos[0], U, nU, d) || !readNpy(pos[1], V, nI, d2) || d != d2) {
      std::fprintf(stderr, "cannot read %s / %s\n", pos[0].c_str(), pos[1].c_str());
      return 1;
    }
  } else {
    const bench::EvalWorkload w = bench::loadEvalWorkload("", "", 64);
    U = w.U, V = w.V, nU = w.nUsers, nI = w.nItems, d = 64;
  }
  rf::Csr train;
  rf::Interactions inter;
  if (pos.size() >= 3 && bench::loadLines(pos[2], inter))
    train = rf::buildCsr(inter.users.data(), inter.items.data(), inter.users.size(), std::max(nU, inter.nUsers),
                         std::max(nI, inter.nItems));
  const rf::PackedItems packed(rf::MatrixView{V.data(), nI, d});
  std::printf("%d users x %d items, d %d; auto route: %s\n", nU, nI, d, rf::servingScanName(packed));
  rf::Rng rng(12345, 0);
  std::vector<int32_t> users(queries);
  for (auto& u : users) u = static_cast<int32_t>(rng.below(nU));
  rf::RetrievalSpec spec;
  spec.k = k;
  const rf::ServingScan routes[] = {rf::ServingScan::kFloat, rf::ServingScan::kBf16, rf::ServingScan::kInt8};
  const char* names[] = {"float", "bf16", "int8"};
  std::vector<int32_t> items(k), ref(static_cast<size_t>(queries) * k);
  std::vector<float> scores(k), refScores(static_cast<size_t>(queries) * k);
  auto one = [&](int32_t u) {
    const bool ex = train.rows > u;
    return rf::retrieveOne(packed, U.data() + static_cast<int64_t>(u) * d, ex ? train.rowBegin(u) : nullptr,
                           ex ? train.degree(u) : 0, spec, items.data(), scores.data());
  };
  for (int r = 0; r < 3; ++r) {
    rf::setServingScan(routes[r]);
    for (int q = 0; q < queries; ++q) {
      one(users[q]);
      if (r == 0) {
        std::copy(items.begin(), items.end(), ref.begin() + q * k);
        std::copy(scores.begin(), scores.end(), refScores.begin() + q * k);
      } else if (!std::equal(items.begin(), items.end(), ref.begin() + q * k) ||
                 std::memcmp(scores.data(), refScores.data() + q * k, 4 * k) != 0) {
        std::fprintf(stderr, "%s differs from float for user %d\n", names[r], users[q]);
        return 1;
      }
    }
  }
  std::printf("all routes agree bit for bit on %d queries\n", queries);
  std::vector<std::vector<double>> us(3);
  for (int round = 0; round < rounds; ++round)
    for (int r = 0; r < 3; ++r) {
      rf::setServingScan(routes[r]);
      for (int q = 0; q < 200; ++q) one(users[q]);
      for (int q = 0; q < queries; ++q) {
        const auto a = bench::Clock::now();
        one(users[q]);
        us[r].push_back(bench::seconds(a, bench::Clock::now()) * 1e6);
      }
    }
  for (int r = 0; r < 3; ++r) {
    std::sort(us[r].begin(), us[r].end());
    std::printf("%-6s p50 %7.1f us  p90 %7.1f us  p99 %7.1f us\n", names[r], us[r][us[r].size() / 2],
                us[r][us[r].size() * 9 / 10], us[r][us[r].size() * 99 / 100]);
  }
  rf::setServingScan(rf::ServingScan::kAuto);
  return 0;
}
