#include <array>

#include "csv.hpp"

namespace rf::csv {

namespace {

constexpr std::array<char, 4> kCandidates{'\t', ',', ';', ' '};
constexpr int kSampleLines = 20;

// Separators outside double quotes on one line; a run of blanks counts once for ' ', and
// leading/trailing blanks not at all (they never separate fields).
int countSeparators(std::string_view line, char d) {
  int n = 0;
  bool quoted = false;
  if (d == ' ') {
    size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string_view::npos) return 0;
    line = line.substr(b, e - b + 1);
  }
  for (size_t k = 0; k < line.size(); ++k) {
    const char c = line[k];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (d == ' ') {
      if ((c == ' ' || c == '\t') && !(line[k - 1] == ' ' || line[k - 1] == '\t')) ++n;
    } else if (c == d) {
      ++n;
    }
  }
  return n;
}

}  // namespace

char detectDelimiter(std::string_view text, size_t start) {
  std::array<int, kCandidates.size()> first{}, consistent{};
  consistent.fill(1);
  int sampled = 0;
  size_t p = start;
  while (p < text.size() && sampled < kSampleLines) {
    size_t eol = text.find('\n', p);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(p, eol - p);
    p = eol + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    for (size_t c = 0; c < kCandidates.size(); ++c) {
      const int n = countSeparators(line, kCandidates[c]);
      if (sampled == 0) first[c] = n;
      if (n == 0 || n != first[c]) consistent[c] = 0;
    }
    ++sampled;
  }
  if (sampled == 0) return 0;
  for (size_t c = 0; c < kCandidates.size(); ++c)
    if (consistent[c]) return kCandidates[c];
  size_t best = 0;
  for (size_t c = 1; c < kCandidates.size(); ++c)
    if (first[c] > first[best]) best = c;
  return first[best] > 0 ? kCandidates[best] : 0;
}

}  // namespace rf::csv
