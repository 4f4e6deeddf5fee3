// The LightGCN / NGCF line-format parser: every tolerated quirk and every error path.
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "harness.hpp"
#include "recforge/parse.hpp"
#include "recforge/parse_error.hpp"

namespace {

using V = std::vector<int32_t>;

}  // namespace

TEST(lines_basic) {
  rf::LoadedData d = rf::parseLines("0 1 2 3\n1 2\n2 0 4\n");
  CHECK_EQ(d.data.nUsers, 3);
  CHECK_EQ(d.data.nItems, 5);
  CHECK(d.data.users == (V{0, 0, 0, 1, 2, 2}));
  CHECK(d.data.items == (V{1, 2, 3, 2, 0, 4}));
  CHECK(!d.data.hasWeights() && !d.data.hasTimestamps());
  CHECK_EQ(d.rows, 3);
}

TEST(lines_crlf_tabs_trailing_blanks_blank_lines_bom) {
  const std::string text = "\xEF\xBB\xBF" "0\t1  2 \r\n\r\n   \n1 3\t\r\n\n2 1";  // no final newline either
  rf::LoadedData d = rf::parseLines(text);
  CHECK(d.data.users == (V{0, 0, 1, 2}));
  CHECK(d.data.items == (V{1, 2, 3, 1}));
  CHECK_EQ(d.data.nUsers, 3);
  CHECK_EQ(d.data.nItems, 4);
}

TEST(lines_user_without_items_still_counts) {
  rf::LoadedData d = rf::parseLines("0 1\n5\n2 0\n");  // user 5 has an empty line; 1, 3, 4 none
  CHECK_EQ(d.data.nUsers, 6);
  CHECK_EQ(d.data.size(), 2);
  CHECK_EQ(d.rows, 3);
  rf::LoadedData e = rf::parseLines("0 1\r\n7 \r\n");  // with CRLF and a trailing blank
  CHECK_EQ(e.data.nUsers, 8);
}

TEST(lines_repeated_user_lines_accumulate) {
  rf::LoadedData d = rf::parseLines("1 2\n1 3\n");
  CHECK(d.data.items == (V{2, 3}));
  CHECK_EQ(d.data.nUsers, 2);
}

TEST(lines_non_numeric_token_names_line_and_column) {
  const std::string msg = ERROR_OF(rf::parseLines("0 1\n1 2 abc 3\n"), rf::code::kParse);
  CHECK_EQ(msg, std::string("line 2, column 5: expected an integer item id, got 'abc'"));
  CHECK_MSG(ERROR_OF(rf::parseLines("x 1\n"), rf::code::kParse), "line 1, column 1: expected an integer user id");
  // Partial numbers, signs, fractions and hex are all rejected.
  for (const char* bad : {"0 12abc\n", "0 +3\n", "0 1.5\n", "0 0x10\n", "0 -\n", "0 1e3\n"})
    CHECK_THROWS_CODE(rf::parseLines(bad), rf::code::kParse);
}

TEST(lines_parse_error_carries_line_and_column) {
  try {
    rf::parseLines("0 1\n\n\n3 4 5 z\n");
    CHECK(false);
  } catch (const rf::ParseError& e) {
    CHECK_EQ(e.line(), 4);
    CHECK_EQ(e.column(), 7);
    CHECK_EQ(e.detail(), std::string("expected an integer item id, got 'z'"));
  }
}

TEST(lines_negative_and_huge_ids_are_out_of_range) {
  CHECK_MSG(ERROR_OF(rf::parseLines("0 1\n1 -4\n"), rf::code::kOutOfRange), "line 2, column 3: item id '-4' is outside");
  CHECK_MSG(ERROR_OF(rf::parseLines("-1 2\n"), rf::code::kOutOfRange), "line 1, column 1: user id");
  // 2^31 - 1 itself is rejected: the count (max id + 1) must fit int32.
  CHECK_THROWS_CODE(rf::parseLines("0 2147483647\n"), rf::code::kOutOfRange);
  CHECK_THROWS_CODE(rf::parseLines("0 2147483648\n"), rf::code::kOutOfRange);
  CHECK_THROWS_CODE(rf::parseLines("0 99999999999999999999999\n"), rf::code::kOutOfRange);  // int64 overflow
  rf::LoadedData d = rf::parseLines("0 2147483646\n");
  CHECK_EQ(d.data.nItems, 2147483647);
}

TEST(lines_binary_garbage) {
  const std::string bin("0 1\n1 \x00\x01\x02\n", 10);
  CHECK_MSG(ERROR_OF(rf::parseLines(bin), rf::code::kParse), "line 2, column 3: NUL byte");
  // gzip magic without NULs in the first bytes still fails as a token error, not silently.
  CHECK_MSG(ERROR_OF(rf::parseLines("\x1f\x8b\x08 1\n"), rf::code::kParse), "got '\\x1f\\x8b\\x08'");
  CHECK_THROWS_CODE(rf::parseLines("0 1\n\xff\xfe 2\n"), rf::code::kParse);
}

TEST(lines_empty_inputs) {
  CHECK_THROWS_CODE(rf::parseLines(""), rf::code::kEmpty);
  CHECK_THROWS_CODE(rf::parseLines("\n\r\n  \n"), rf::code::kEmpty);
  CHECK_THROWS_CODE(rf::parseLines("0\n1\n"), rf::code::kEmpty);  // users but no items
}

TEST(lines_long_token_is_truncated_in_message) {
  const std::string tok(100, 'q');
  const std::string msg = ERROR_OF(rf::parseLines("0 " + tok + "\n"), rf::code::kParse);
  CHECK_MSG(msg, "'...");
  CHECK(msg.size() < 120);
}

TEST(lines_cancellation) {
  std::string text;
  for (int u = 0; u < 70000; ++u) text += std::to_string(u) + " 1\n";
  std::atomic<bool> stop{true};
  rf::JobControl ctl;
  ctl.cancelled = &stop;
  CHECK_THROWS_CODE(rf::parseLines(text, ctl), rf::code::kAborted);
}
