// LightGCN / NGCF line format: `user item item ...`.
#include <cstring>

#include "recforge/parse.hpp"
#include "text_scan.hpp"

namespace rf {

LoadedData parseLines(std::string_view text, const JobControl& ctl) {
  text::rejectBinary(text);
  LoadedData out;
  Interactions& x = out.data;
  // ~7 bytes per "item " token in the usual files; a guess that saves most regrowth.
  x.users.reserve(text.size() / 7);
  x.items.reserve(text.size() / 7);
  int64_t maxUser = -1, maxItem = -1, line = 0;
  const char* const base = text.data();
  const char* const end = base + text.size();
  const char* p = base + text::skipBom(text);
  while (p < end) {
    ++line;
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (!eol) eol = end;
    const char* lineStart = p;
    int32_t user = -1;
    while (true) {
      while (p < eol && text::isBlank(*p)) ++p;  // '\r' counts as a blank: CRLF needs no special case
      if (p == eol) break;
      const char* tok = p;
      while (p < eol && !text::isBlank(*p)) ++p;
      const int64_t col = tok - lineStart + 1;
      if (user < 0) {
        user = text::parseId(tok, p, line, col, "user id");
        if (user > maxUser) maxUser = user;
      } else {
        const int32_t item = text::parseId(tok, p, line, col, "item id");
        if (item > maxItem) maxItem = item;
        x.users.push_back(user);
        x.items.push_back(item);
      }
    }
    if (user >= 0) ++out.rows;
    p = eol + 1;
    if ((line & 0xFFFF) == 0) {
      ctl.checkCancelled();
      ctl.report(static_cast<double>(eol - base) / static_cast<double>(text.size()));
    }
  }
  if (x.users.empty()) fail(code::kEmpty, "no interactions in input (" + std::to_string(out.rows) + " user lines, no items)");
  x.nUsers = static_cast<int32_t>(maxUser + 1);
  x.nItems = static_cast<int32_t>(maxItem + 1);
  ctl.report(1.0);
  return out;
}

}  // namespace rf
