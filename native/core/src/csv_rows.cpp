#include "csv.hpp"

#include "recforge/parse_error.hpp"
#include "text_scan.hpp"

namespace rf::csv {

std::string unescape(const Field& f) {
  std::string s;
  s.reserve(static_cast<size_t>(f.e - f.b));
  for (const char* p = f.b; p < f.e; ++p) {
    s += *p;
    if (*p == '"' && f.escaped) ++p;  // inside a quoted field every '"' comes doubled
  }
  return s;
}

RowReader::RowReader(std::string_view text, char delimiter, size_t start)
    : begin_(text.data()), p_(text.data() + start), end_(text.data() + text.size()), lineStart_(p_), delim_(delimiter) {}

bool RowReader::isPad(char c) const { return c != delim_ && (c == ' ' || c == '\t' || c == '\r'); }

bool RowReader::next(std::vector<Field>& fields) {
  // Skip blank lines.
  while (true) {
    const char* q = p_;
    while (q < end_ && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
    if (q == end_) {
      p_ = end_;
      return false;
    }
    if (*q != '\n') break;
    p_ = q + 1;
    lineStart_ = p_;
    ++line_;
  }
  rowLine_ = line_;
  fields.clear();
  const bool spaceDelim = delim_ == ' ';
  while (true) {
    while (p_ < end_ && (spaceDelim ? text::isBlank(*p_) : isPad(*p_))) ++p_;
    Field f{p_, p_, line_, p_ - lineStart_ + 1, false};
    if (p_ < end_ && *p_ == '"') {
      f.b = ++p_;
      while (true) {
        if (p_ == end_) failAt(code::kParse, f.line, f.col, "unterminated quoted field");
        if (*p_ == '"') {
          if (p_ + 1 < end_ && p_[1] == '"') {
            f.escaped = true;
            p_ += 2;
            continue;
          }
          break;
        }
        if (*p_ == '\n') {
          ++line_;
          lineStart_ = p_ + 1;
        }
        ++p_;
      }
      f.e = p_++;
      while (p_ < end_ && (spaceDelim ? (*p_ == '\t' || *p_ == '\r') : isPad(*p_))) ++p_;
      if (p_ < end_ && *p_ != delim_ && *p_ != '\n')
        failAt(code::kParse, line_, p_ - lineStart_ + 1, "unexpected " + text::show(p_, p_ + 1) + " after a closing quote");
    } else {
      if (spaceDelim) {
        while (p_ < end_ && !text::isBlank(*p_) && *p_ != '\n') ++p_;
      } else {
        while (p_ < end_ && *p_ != delim_ && *p_ != '\n') ++p_;
      }
      f.e = p_;
      while (f.e > f.b && isPad(f.e[-1])) --f.e;
    }
    fields.push_back(f);
    if (spaceDelim) {
      while (p_ < end_ && text::isBlank(*p_)) ++p_;
      if (p_ < end_ && *p_ != '\n') continue;
    } else if (p_ < end_ && *p_ == delim_) {
      ++p_;
      continue;
    }
    break;
  }
  if (p_ < end_) {  // at '\n'
    ++p_;
    lineStart_ = p_;
    ++line_;
  }
  return true;
}

std::string delimiterName(char d) {
  if (d == '\t') return "tab";
  if (d == ' ') return "space";
  return std::string("'") + d + "'";
}

}  // namespace rf::csv
