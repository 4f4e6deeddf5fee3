// Parsers for interaction files held in memory. The core never opens files or inflates gzip: the
// facade reads (and gunzips) the bytes and hands them over, so these functions are pure and
// testable on string literals.
//
// Failures: ParseError (E_PARSE, or E_OUT_OF_RANGE / E_NONFINITE for well-formed but unusable
// numbers) naming the 1-based line and column; E_EMPTY when the input holds no interaction;
// E_INVALID_ARG for contradictory options.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "recforge/interactions.hpp"
#include "recforge/job.hpp"

namespace rf {

// Largest accepted integer id: counts are max id + 1 and must fit int32.
inline constexpr int64_t kMaxId = std::numeric_limits<int32_t>::max() - 1;

// What a parser returns: the edges plus, for string ids, the dense id -> original token maps.
struct LoadedData {
  Interactions data;
  std::vector<std::string> userIds;  // string idMode only: userIds[denseId] = original token
  std::vector<std::string> itemIds;
  int64_t rows = 0;          // data rows/lines read (header and blank lines excluded)
  int64_t filteredRows = 0;  // rows dropped by DelimitedOptions::minWeight
  char delimiter = 0;        // delimited input: the delimiter used (given or detected)
  bool hasHeader = false;    // delimited input: whether the first row was a header
  std::vector<std::string> header;  // its field names, when it was
};

// LightGCN / NGCF line format: `user item item ...` per line. Spaces and tabs separate tokens;
// CRLF, trailing blanks, blank lines and a UTF-8 BOM are tolerated. A line holding only a user id
// adds no edge but still counts towards nUsers. Counts are max id + 1 per side.
LoadedData parseLines(std::string_view text, const JobControl& ctl = {});

enum class IdMode { Integer, String };
enum class HeaderMode { Auto, Present, Absent };

// A column picked by 0-based index or by header name (a name requires a header).
struct ColumnRef {
  int32_t index = -1;
  std::string name;
  static ColumnRef at(int32_t i) { return {i, {}}; }
  static ColumnRef named(std::string n) { return {-1, std::move(n)}; }
  bool used() const { return index >= 0 || !name.empty(); }
};

struct DelimitedOptions {
  char delimiter = 0;  // 0: detect among tab, ',', ';', ' ' from the first lines
  HeaderMode header = HeaderMode::Auto;
  ColumnRef user = ColumnRef::at(0);
  ColumnRef item = ColumnRef::at(1);
  ColumnRef weight;     // optional
  ColumnRef timestamp;  // optional, numeric (e.g. unix seconds)
  IdMode idMode = IdMode::Integer;
  // Rows whose weight is below this are skipped (e.g. 4 to keep MovieLens ratings >= 4 as
  // positives). Needs a weight column. Skipped rows are still validated.
  double minWeight = -std::numeric_limits<double>::infinity();
};

// Delimited edge list (CSV, TSV, ...), one interaction per row. Quoted fields follow RFC 4180
// ("" escapes a quote; quotes may span delimiters and newlines). Blanks around unquoted fields
// are trimmed; a space delimiter treats runs of blanks as one separator. Extra columns are
// ignored; a row without a required column is an error. Integer ids are kept as they are;
// string ids get dense ids in first-seen order (LoadedData::userIds/itemIds map them back).
LoadedData parseDelimited(std::string_view text, const DelimitedOptions& opts = {}, const JobControl& ctl = {});

}  // namespace rf
