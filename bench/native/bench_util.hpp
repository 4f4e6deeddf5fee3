// Helpers shared by the kernel benchmarks: wall-clock timing, medians, and reading a file of the
// LightGCN line format (`user item item ...`) with the core's own parser.
#pragma once
#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "recforge/parse.hpp"

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median wall time of `runs` calls of fn().
template <class Fn>
double medianSeconds(int runs, Fn fn) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const auto a = Clock::now();
    fn();
    t.push_back(seconds(a, Clock::now()));
  }
  return median(t);
}

// Whole file as bytes; false when it cannot be opened.
inline bool readText(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// A `user item item ...` file as interactions (counts = max id + 1); false when unreadable.
inline bool loadLines(const std::string& path, rf::Interactions& out) {
  std::string text;
  if (!readText(path, text)) return false;
  out = rf::parseLines(text).data;
  return true;
}

}  // namespace bench
