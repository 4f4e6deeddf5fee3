// Token-level helpers shared by the text parsers (internal to the core). Tokens are [b, e) byte
// ranges into the caller's buffer: the integer paths never allocate.
#pragma once
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "recforge/parse.hpp"
#include "recforge/parse_error.hpp"

namespace rf::text {

// Quotes a token for an error message: non-printable bytes as \xNN, long tokens cut at 40 bytes.
inline std::string show(const char* b, const char* e) {
  static const char* hex = "0123456789abcdef";
  std::string s = "'";
  const char* stop = e - b > 40 ? b + 40 : e;
  for (const char* p = b; p < stop; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c < 0x7f) {
      s += static_cast<char>(c);
    } else {
      s += "\\x";
      s += hex[c >> 4];
      s += hex[c & 15];
    }
  }
  return s + (stop < e ? "'..." : "'");
}

// Strict id: an optional '-' then decimal digits filling the whole token (no '+', no blanks, no
// fraction). Parsed as int64 first so overflow is detected, then range-checked against kMaxId.
inline int32_t parseId(const char* b, const char* e, int64_t line, int64_t col, const char* what) {
  int64_t v = 0;
  const auto r = std::from_chars(b, e, v);
  // On overflow from_chars still consumes every digit (ptr == e), so this only catches syntax.
  if (b == e || r.ec == std::errc::invalid_argument || r.ptr != e)
    failAt(code::kParse, line, col, std::string("expected an integer ") + what + ", got " + show(b, e));
  if (r.ec == std::errc::result_out_of_range || v < 0 || v > kMaxId)
    failAt(code::kOutOfRange, line, col,
           std::string(what) + " " + show(b, e) + " is outside [0, " + std::to_string(kMaxId) + "]");
  return static_cast<int32_t>(v);
}

// Strict finite decimal number (integer, fraction or exponent form, e.g. "3.2466e+05").
inline double parseNumber(const char* b, const char* e, int64_t line, int64_t col, const char* what) {
  double v = 0;
  const char* start = b;
  if (start != e && *start == '+') ++start;  // from_chars rejects '+', spreadsheets write it
  const auto r = std::from_chars(start, e, v, std::chars_format::general);
  if (start == e || r.ptr != e || r.ec == std::errc::invalid_argument)
    failAt(code::kParse, line, col, std::string("expected a number for ") + what + ", got " + show(b, e));
  if (r.ec == std::errc::result_out_of_range || !std::isfinite(v))
    failAt(code::kNonFinite, line, col, std::string(what) + " " + show(b, e) + " is not a finite number");
  return v;
}

// 1-based line number of byte `pos`.
inline int64_t lineOf(std::string_view text, size_t pos) {
  return 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n');
}

// Text files never hold NUL bytes; finding one means a binary (or still-compressed) file, which
// would otherwise surface as a confusing token error somewhere in the middle.
inline void rejectBinary(std::string_view text) {
  const void* nul = std::memchr(text.data(), 0, text.size());
  if (!nul) return;
  const size_t pos = static_cast<const char*>(nul) - text.data();
  const size_t lineStart = text.rfind('\n', pos);
  const int64_t col = static_cast<int64_t>(pos - (lineStart == std::string_view::npos ? 0 : lineStart + 1)) + 1;
  failAt(code::kParse, lineOf(text, pos), col, "NUL byte in input: this looks like a binary file, not text");
}

// Offset of the first byte after a UTF-8 byte-order mark, if the text starts with one.
inline size_t skipBom(std::string_view text) { return text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0; }

inline bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace rf::text
