// Row splitting for delimited text (internal to the core): RFC 4180 quoting, blank-line
// skipping, and delimiter detection. Fields are byte ranges into the input buffer.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rf::csv {

struct Field {
  const char* b;
  const char* e;
  int64_t line;  // 1-based line of the field's first byte (quoted fields may span lines)
  int64_t col;   // 1-based byte column of that byte
  bool escaped;  // quoted and holding "" pairs: use unescape() for its value
  std::string_view view() const { return {b, static_cast<size_t>(e - b)}; }
};

// The field's value with "" folded to ".
std::string unescape(const Field& f);

class RowReader {
 public:
  RowReader(std::string_view text, char delimiter, size_t start);
  // Reads the next row that is not blank into `fields`; false at the end of the input.
  bool next(std::vector<Field>& fields);
  int64_t rowLine() const { return rowLine_; }  // line where the last row read starts
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }

 private:
  bool isPad(char c) const;  // blanks trimmed around fields (never the delimiter itself)
  const char* begin_;
  const char* p_;
  const char* end_;
  const char* lineStart_;
  char delim_;
  int64_t line_ = 1;
  int64_t rowLine_ = 0;
};

// Picks tab, ',', ';' or ' ' from the first lines: the first (in that order) that splits every
// sampled line into the same number (> 1) of fields, else the one splitting the first line most.
// Returns 0 when none occurs.
char detectDelimiter(std::string_view text, size_t start);

// "tab", "space", or the character itself, for messages.
std::string delimiterName(char d);

}  // namespace rf::csv
