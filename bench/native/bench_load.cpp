// Times parsing + graph build of one interaction file (median of 5) next to a memory-bandwidth
// probe, so the loader's MB/s can be read against what the machine can stream at all.
//   bench_load [path] [lines|delimited]   (default: the shared gowalla train.txt, line format)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "recforge/csr.hpp"
#include "recforge/parse.hpp"

namespace {

using bench::Clock;
using bench::median;
using bench::seconds;

bool endsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Read-sum over `bytes` with `threads` threads; returns GB/s (1e9 bytes), median of 3 passes.
double bandwidthGBs(size_t bytes, int threads) {
  std::vector<uint64_t> buf(bytes / sizeof(uint64_t));
  for (size_t k = 0; k < buf.size(); ++k) buf[k] = k;  // touch every page before timing
  std::vector<double> times;
  volatile uint64_t sink = 0;
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<uint64_t> sums(threads, 0);
    const auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const size_t b = buf.size() * t / threads, e = buf.size() * (t + 1) / threads;
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        size_t k = b;
        for (; k + 4 <= e; k += 4) s0 += buf[k], s1 += buf[k + 1], s2 += buf[k + 2], s3 += buf[k + 3];
        for (; k < e; ++k) s0 += buf[k];
        sums[t] = s0 + s1 + s2 + s3;
      });
    for (auto& th : pool) th.join();
    times.push_back(seconds(t0, Clock::now()));
    for (uint64_t s : sums) sink = sink + s;
  }
  return static_cast<double>(bytes) / median(times) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "/work/shared/datasets/gowalla/train.txt";
  std::string text;
  if (!bench::readText(path, text)) {
    std::printf("bench_load: %s not found, skipping\n", path.c_str());
    return 0;
  }
  const bool delimited = argc > 2 ? std::strcmp(argv[2], "delimited") == 0
                                  : endsWith(path, ".csv") || endsWith(path, ".tsv") || endsWith(path, ".data");

  std::vector<double> parseT, graphT;
  rf::LoadedData loaded;
  for (int run = 0; run < 5; ++run) {
    const auto t0 = Clock::now();
    loaded = delimited ? rf::parseDelimited(text) : rf::parseLines(text);
    const auto t1 = Clock::now();
    rf::BipartiteGraph g = rf::buildGraph(rf::EdgeView::of(loaded.data));
    const auto t2 = Clock::now();
    parseT.push_back(seconds(t0, t1));
    graphT.push_back(seconds(t1, t2));
  }
  const double mb = static_cast<double>(text.size()) / 1e6;
  const double tp = median(parseT), tg = median(graphT);
  std::printf("file        %s (%.2f MB, %s)\n", path.c_str(), mb, delimited ? "delimited" : "lines");
  std::printf("loaded      %d users, %d items, %lld interactions\n", loaded.data.nUsers, loaded.data.nItems,
              static_cast<long long>(loaded.data.size()));
  std::printf("parse       %.2f ms  (%.0f MB/s, median of 5)\n", tp * 1e3, mb / tp);
  std::printf("buildGraph  %.2f ms  (median of 5)\n", tg * 1e3);
  const int threads = 2;
  const double gbs = bandwidthGBs(size_t{1} << 30, threads);
  std::printf("memory      %.1f GB/s  (read-sum over 1 GiB, %d threads); parse streams at %.1f%% of that\n", gbs,
              threads, 100.0 * (mb / tp) / (gbs * 1e3));
  return 0;
}
