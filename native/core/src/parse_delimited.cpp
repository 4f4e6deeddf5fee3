// Delimited edge lists: option checks, header detection, column resolution, row -> edge.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "csv.hpp"
#include "id_interner.hpp"
#include "recforge/parse.hpp"
#include "text_scan.hpp"

namespace rf {

namespace {

struct Columns {
  int32_t user = -1, item = -1, weight = -1, timestamp = -1;
  int32_t needed() const { return 1 + std::max({user, item, weight, timestamp}); }
};

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string fieldValue(const csv::Field& f) { return f.escaped ? csv::unescape(f) : std::string(f.view()); }

bool isNumber(const csv::Field& f) {
  double v;
  const char* b = f.b != f.e && *f.b == '+' ? f.b + 1 : f.b;
  const auto r = std::from_chars(b, f.e, v, std::chars_format::general);
  return b != f.e && r.ec != std::errc::invalid_argument && r.ptr == f.e;
}

// Field names that mark a header when no numeric column can tell (string ids only).
bool isIdColumnName(const csv::Field& f) {
  static const char* names[] = {"user", "userid", "user_id", "uid", "item", "itemid", "item_id", "iid",
                                "movie", "movieid", "movie_id", "product", "productid", "product_id",
                                "artist", "artistid", "artist_id", "asin"};
  const std::string v = lower(fieldValue(f));
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return v == n; });
}

// Auto header rule: a non-numeric field where a number is expected (integer ids, weight,
// timestamp) means a header; with string ids and no numeric column, a well-known id column name.
bool looksLikeHeader(const std::vector<csv::Field>& row, const Columns& c, IdMode mode) {
  auto nonNumeric = [&](int32_t k) { return k >= 0 && k < static_cast<int32_t>(row.size()) && !isNumber(row[k]); };
  if (nonNumeric(c.weight) || nonNumeric(c.timestamp)) return true;
  if (mode == IdMode::Integer) return nonNumeric(c.user) || nonNumeric(c.item);
  auto named = [&](int32_t k) { return k >= 0 && k < static_cast<int32_t>(row.size()) && isIdColumnName(row[k]); };
  return named(c.user) || named(c.item);
}

int32_t resolve(const ColumnRef& ref, const std::vector<std::string>& header, const char* what) {
  if (!ref.used()) return -1;
  if (ref.index >= 0) return ref.index;
  const std::string want = lower(ref.name);
  for (size_t k = 0; k < header.size(); ++k)
    if (lower(header[k]) == want) return static_cast<int32_t>(k);
  std::string have;
  for (const auto& h : header) have += (have.empty() ? "'" : ", '") + h + "'";
  fail(code::kInvalidArgument, std::string(what) + " column '" + ref.name + "' is not in the header (" + have + ")");
}

void checkOptions(const DelimitedOptions& o) {
  const char d = o.delimiter;
  if (d == '"' || d == '\n' || d == '\r') fail(code::kInvalidArgument, "delimiter cannot be a quote or a line break");
  const bool named = !o.user.name.empty() || !o.item.name.empty() || !o.weight.name.empty() || !o.timestamp.name.empty();
  if (named && o.header == HeaderMode::Absent) fail(code::kInvalidArgument, "columns chosen by name need a header row");
  if (!o.user.used() || !o.item.used()) fail(code::kInvalidArgument, "user and item columns are required");
  if (std::isnan(o.minWeight) || (std::isfinite(o.minWeight) && !o.weight.used()))
    fail(code::kInvalidArgument, "minWeight needs a weight column (and must not be NaN)");
}

// Turns one row into an edge (or a filtered row) using the resolved columns.
class EdgeSink {
 public:
  EdgeSink(const DelimitedOptions& o, const Columns& c, LoadedData& out) : o_(o), c_(c), out_(out) {}

  void add(const std::vector<csv::Field>& row, int64_t line) {
    if (static_cast<int32_t>(row.size()) < c_.needed())
      failAt(code::kParse, line, 0,
             "expected at least " + std::to_string(c_.needed()) + " fields, got " + std::to_string(row.size()));
    double w = 0, t = 0;
    if (c_.weight >= 0) w = number(row[c_.weight], "weight");
    if (c_.timestamp >= 0) t = number(row[c_.timestamp], "timestamp");
    Interactions& x = out_.data;
    if (w < o_.minWeight) {
      ++out_.filteredRows;
      if (o_.idMode == IdMode::Integer) integerId(row[c_.user], "user id"), integerId(row[c_.item], "item id");
      return;
    }
    if (o_.idMode == IdMode::Integer) {
      x.users.push_back(integerId(row[c_.user], "user id"));
      x.items.push_back(integerId(row[c_.item], "item id"));
      maxUser_ = std::max(maxUser_, x.users.back());
      maxItem_ = std::max(maxItem_, x.items.back());
    } else {
      x.users.push_back(stringId(row[c_.user], users_, "user id"));
      x.items.push_back(stringId(row[c_.item], items_, "item id"));
    }
    if (c_.weight >= 0) x.weights.push_back(static_cast<float>(w));
    if (c_.timestamp >= 0) x.timestamps.push_back(t);
  }

  void finish() {
    Interactions& x = out_.data;
    if (o_.idMode == IdMode::Integer) {
      x.nUsers = maxUser_ + 1;
      x.nItems = maxItem_ + 1;
    } else {
      x.nUsers = users_.size();
      x.nItems = items_.size();
      out_.userIds = users_.names();
      out_.itemIds = items_.names();
    }
  }

 private:
  static double number(const csv::Field& f, const char* what) {
    if (f.escaped) return text::parseNumber(f.b - 1, f.e + 1, f.line, f.col, what);  // shows the quotes
    return text::parseNumber(f.b, f.e, f.line, f.col, what);
  }
  static int32_t integerId(const csv::Field& f, const char* what) {
    if (f.escaped) return text::parseId(f.b - 1, f.e + 1, f.line, f.col, what);
    return text::parseId(f.b, f.e, f.line, f.col, what);
  }
  static int32_t stringId(const csv::Field& f, IdInterner& ids, const char* what) {
    if (f.b == f.e) failAt(code::kParse, f.line, f.col, std::string("empty ") + what);
    return f.escaped ? ids.internOwned(csv::unescape(f)) : ids.intern(f.view());
  }

  const DelimitedOptions& o_;
  const Columns& c_;
  LoadedData& out_;
  IdInterner users_, items_;
  int32_t maxUser_ = -1, maxItem_ = -1;
};

}  // namespace

LoadedData parseDelimited(std::string_view text, const DelimitedOptions& o, const JobControl& ctl) {
  checkOptions(o);
  text::rejectBinary(text);
  LoadedData out;
  const size_t start = text::skipBom(text);
  out.delimiter = o.delimiter ? o.delimiter : csv::detectDelimiter(text, start);
  if (!out.delimiter) {
    if (text.find_first_not_of(" \t\r\n", start) == std::string_view::npos) fail(code::kEmpty, "no interactions in input (no rows)");
    failAt(code::kParse, 1, 0, "cannot detect the delimiter (tried tab, ',', ';', space); pass one explicitly");
  }
  csv::RowReader rows(text, out.delimiter, start);
  std::vector<csv::Field> row;
  if (!rows.next(row)) fail(code::kEmpty, "no interactions in input (no rows)");

  Columns byIndex{o.user.index, o.item.index, o.weight.index, o.timestamp.index};
  const bool named = !o.user.name.empty() || !o.item.name.empty() || !o.weight.name.empty() || !o.timestamp.name.empty();
  out.hasHeader = o.header == HeaderMode::Present ||
                  (o.header == HeaderMode::Auto && (named || looksLikeHeader(row, byIndex, o.idMode)));
  if (out.hasHeader) {
    for (const auto& f : row) out.header.push_back(fieldValue(f));
    if (!rows.next(row)) fail(code::kEmpty, "no interactions in input (only a header row)");
  }
  const Columns cols{resolve(o.user, out.header, "user"), resolve(o.item, out.header, "item"),
                     resolve(o.weight, out.header, "weight"), resolve(o.timestamp, out.header, "timestamp")};

  EdgeSink sink(o, cols, out);
  do {
    sink.add(row, rows.rowLine());
    if ((++out.rows & 0xFFFF) == 0) {
      ctl.checkCancelled();
      ctl.report(static_cast<double>(rows.offset()) / static_cast<double>(text.size()));
    }
  } while (rows.next(row));
  if (out.data.users.empty())
    fail(code::kEmpty, "no interactions in input (" + std::to_string(out.filteredRows) + " rows below minWeight)");
  sink.finish();
  ctl.report(1.0);
  return out;
}

}  // namespace rf
