// Errors raised while reading text input. The message always starts with "line N" (1-based) and,
// when known, ", column C" (1-based byte offset in that line), so the facade can rewrite it as
// "file:N:C: detail" without a second channel; line()/column()/detail() carry the same facts.
#pragma once
#include <cstdint>
#include <string>

#include "recforge/error.hpp"

namespace rf {

class ParseError : public Error {
 public:
  ParseError(const char* code, int64_t line, int64_t column, const std::string& detail)
      : Error(code, format(line, column, detail)), line_(line), column_(column), detail_(detail) {}
  int64_t line() const noexcept { return line_; }
  int64_t column() const noexcept { return column_; }  // 0 when the whole line is at fault
  const std::string& detail() const noexcept { return detail_; }

 private:
  static std::string format(int64_t line, int64_t column, const std::string& detail) {
    std::string s = "line " + std::to_string(line);
    if (column > 0) s += ", column " + std::to_string(column);
    return s + ": " + detail;
  }
  int64_t line_, column_;
  std::string detail_;
};

[[noreturn]] inline void failAt(const char* code, int64_t line, int64_t column, const std::string& detail) {
  throw ParseError(code, line, column, detail);
}

}  // namespace rf
