// The delimited (CSV/TSV/...) parser: detection, quoting, columns, string ids, error paths.
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "harness.hpp"
#include "recforge/parse.hpp"

namespace {

using V = std::vector<int32_t>;
using S = std::vector<std::string>;

rf::DelimitedOptions stringIds() {
  rf::DelimitedOptions o;
  o.idMode = rf::IdMode::String;
  return o;
}

}  // namespace

TEST(delimited_movielens_udata) {
  rf::DelimitedOptions o;
  o.delimiter = '\t';
  o.header = rf::HeaderMode::Absent;
  o.weight = rf::ColumnRef::at(2);
  o.timestamp = rf::ColumnRef::at(3);
  rf::LoadedData d = rf::parseDelimited("196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n", o);
  CHECK(d.data.users == (V{196, 186, 22}));
  CHECK(d.data.items == (V{242, 302, 377}));
  CHECK_EQ(d.data.nUsers, 197);
  CHECK_EQ(d.data.nItems, 378);
  CHECK_EQ(d.data.weights[2], 1.0f);
  CHECK_EQ(d.data.timestamps[1], 891717742.0);
  CHECK(!d.hasHeader);
}

TEST(delimited_detects_delimiter) {
  CHECK_EQ(rf::parseDelimited("1,2\n3,4\n").delimiter, ',');
  CHECK_EQ(rf::parseDelimited("1\t2\r\n3\t4\r\n").delimiter, '\t');
  CHECK_EQ(rf::parseDelimited("1;2\n3;4\n").delimiter, ';');
  rf::LoadedData sp = rf::parseDelimited("1  2\n3 4   \n");  // runs of blanks are one separator
  CHECK_EQ(sp.delimiter, ' ');
  CHECK(sp.data.items == (V{2, 4}));
  // Commas inside quotes do not count; the tab is what splits every line the same way.
  CHECK_EQ(rf::parseDelimited("\"a,b\"\tx\nc\ty\n", stringIds()).delimiter, '\t');
  CHECK_MSG(ERROR_OF(rf::parseDelimited("12\n13\n"), rf::code::kParse), "line 1: cannot detect the delimiter");
}

TEST(delimited_lastfm_style_float_weights_crlf) {
  rf::DelimitedOptions o;
  o.weight = rf::ColumnRef::at(2);
  rf::LoadedData d = rf::parseDelimited("2\t51\t13883\r\n2\t52\t3.2466e+05\r\n", o);
  CHECK_EQ(d.data.weights[1], 324660.0f);
  CHECK(!d.hasHeader);
}

TEST(delimited_header_auto_and_names) {
  rf::DelimitedOptions o;
  o.user = rf::ColumnRef::named("userId");
  o.item = rf::ColumnRef::named("movieId");
  o.weight = rf::ColumnRef::named("rating");
  o.timestamp = rf::ColumnRef::named("TIMESTAMP");  // names match case-insensitively
  rf::LoadedData d = rf::parseDelimited("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n", o);
  CHECK(d.hasHeader);
  CHECK(d.header == (S{"userId", "movieId", "rating", "timestamp"}));
  CHECK(d.data.items == (V{31, 1029}));
  CHECK_EQ(d.data.weights[0], 2.5f);
  // Auto header by index: a non-numeric field in an integer id column.
  rf::LoadedData h = rf::parseDelimited("user,item\n0,1\n", {});
  CHECK(h.hasHeader);
  CHECK_EQ(h.data.size(), 1);
  CHECK_EQ(h.rows, 1);
  // Unknown name lists the header.
  rf::DelimitedOptions bad;
  bad.item = rf::ColumnRef::named("product");
  CHECK_MSG(ERROR_OF(rf::parseDelimited("user,item\n0,1\n", bad), rf::code::kInvalidArgument), "'user', 'item'");
  // Names without a header row is a contradiction.
  rf::DelimitedOptions absent = o;
  absent.header = rf::HeaderMode::Absent;
  CHECK_THROWS_CODE(rf::parseDelimited("1,2\n", absent), rf::code::kInvalidArgument);
}

TEST(delimited_explicit_header_modes) {
  rf::DelimitedOptions present;
  present.header = rf::HeaderMode::Present;
  rf::LoadedData d = rf::parseDelimited("7,8\n1,2\n", present);  // numeric header row still skipped
  CHECK_EQ(d.data.size(), 1);
  CHECK_EQ(d.data.users[0], 1);
  rf::DelimitedOptions absent;
  absent.header = rf::HeaderMode::Absent;
  CHECK_MSG(ERROR_OF(rf::parseDelimited("u,i\n1,2\n", absent), rf::code::kParse), "line 1, column 1: expected an integer user id");
  CHECK_THROWS_CODE(rf::parseDelimited("user,item\n", {}), rf::code::kEmpty);  // header only
}

TEST(delimited_string_ids_first_seen_order) {
  rf::LoadedData d = rf::parseDelimited("user,item\nalice,x\nbob,y\nalice,y\ncarol,x\n", stringIds());
  CHECK(d.hasHeader);  // well-known id column names
  CHECK(d.data.users == (V{0, 1, 0, 2}));
  CHECK(d.data.items == (V{0, 1, 1, 0}));
  CHECK(d.userIds == (S{"alice", "bob", "carol"}));
  CHECK(d.itemIds == (S{"x", "y"}));
  CHECK_EQ(d.data.nUsers, 3);
  CHECK_EQ(d.data.nItems, 2);
  // Numeric-looking tokens are opaque strings: "01" and "1" differ.
  rf::LoadedData n = rf::parseDelimited("01,5\n1,5\n", stringIds());
  CHECK(n.userIds == (S{"01", "1"}));
  CHECK_THROWS_CODE(rf::parseDelimited("a,\nb,c\n", stringIds()), rf::code::kParse);  // empty id
}

TEST(delimited_quoted_fields) {
  const std::string text =
      "\"user\",\"item\"\r\n"
      "\"Smith, J.\",\"The \"\"Best\"\" Book\"\r\n"
      "\"multi\nline\", plain \r\n"
      " \"7\" , \"Smith, J.\"\n";
  rf::LoadedData d = rf::parseDelimited(text, stringIds());
  CHECK_EQ(d.delimiter, ',');
  CHECK(d.hasHeader);
  CHECK(d.userIds == (S{"Smith, J.", "multi\nline", "7"}));
  CHECK(d.itemIds == (S{"The \"Best\" Book", "plain", "Smith, J."}));
  // Quoted integers are fine in integer mode; line numbers count newlines inside quotes.
  rf::LoadedData q = rf::parseDelimited("\"1\",\"2\"\n\"3\",4\n");
  CHECK(q.data.users == (V{1, 3}));
  rf::DelimitedOptions noHeader;
  noHeader.header = rf::HeaderMode::Absent;
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,\"1\nx\",5\n2,zz\n", noHeader), rf::code::kParse), "line 1, column 3: expected an integer item id, got '1\\x0ax'");
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,\"1\"\n\"a\nb\",3\n2,zz\n", noHeader), rf::code::kParse), "line 2, column 1: expected an integer user id");
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1,\"x\ny\"\n2,zz\n", noHeader), rf::code::kParse), "line 3, column 3: expected an integer item id, got 'zz'");
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1\n2,\"3\n", {}), rf::code::kParse), "line 2, column 3: unterminated quoted field");
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1\n2,\"3\"x\n", {}), rf::code::kParse), "line 2, column 6: unexpected 'x' after a closing quote");
}

TEST(delimited_ragged_rows) {
  rf::DelimitedOptions o;
  o.weight = rf::ColumnRef::at(2);
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1,1\n1,2,1\n2,3\n", o), rf::code::kParse), "line 3: expected at least 3 fields, got 2");
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1\n\n5\n", {}), rf::code::kParse), "line 3: expected at least 2 fields, got 1");
  // Extra columns are ignored; an empty required field is a token error.
  CHECK_EQ(rf::parseDelimited("0,1,x,y\n1,1,z\n").data.size(), 2);
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1\n1,\n", {}), rf::code::kParse), "line 2, column 3: expected an integer item id, got ''");
}

TEST(delimited_number_errors) {
  rf::DelimitedOptions o;
  o.weight = rf::ColumnRef::at(2);
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1,2\n0,2,abc\n", o), rf::code::kParse), "line 2, column 5: expected a number for weight, got 'abc'");
  CHECK_THROWS_CODE(rf::parseDelimited("0,1,1\n0,2,nan\n", o), rf::code::kNonFinite);
  CHECK_THROWS_CODE(rf::parseDelimited("0,1,1\n0,2,1e999\n", o), rf::code::kNonFinite);
  CHECK_EQ(rf::parseDelimited("0,1,+2.5\n", o).data.weights[0], 2.5f);
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1\n-3,1\n", {}), rf::code::kOutOfRange), "line 2, column 1: user id '-3'");
  CHECK_THROWS_CODE(rf::parseDelimited("0,1\n1,2147483648\n", {}), rf::code::kOutOfRange);
  CHECK_THROWS_CODE(rf::parseDelimited("0,1\n1,123456789012345678901234\n", {}), rf::code::kOutOfRange);
  CHECK_MSG(ERROR_OF(rf::parseDelimited("0,1\n1,2.0\n", {}), rf::code::kParse), "expected an integer item id, got '2.0'");
}

TEST(delimited_min_weight_filter) {
  rf::DelimitedOptions o;
  o.weight = rf::ColumnRef::at(2);
  o.minWeight = 4;
  rf::LoadedData d = rf::parseDelimited("0,1,5\n0,2,3\n1,9,4\n", o);
  CHECK(d.data.items == (V{1, 9}));
  CHECK_EQ(d.filteredRows, 1);
  CHECK_EQ(d.rows, 3);
  CHECK_THROWS_CODE(rf::parseDelimited("0,1,1\n", o), rf::code::kEmpty);  // everything filtered
  CHECK_THROWS_CODE(rf::parseDelimited("0,1,1\n0,x,1\n", o), rf::code::kParse);  // filtered rows still validated
  rf::DelimitedOptions noWeight;
  noWeight.minWeight = 4;
  CHECK_THROWS_CODE(rf::parseDelimited("0,1\n", noWeight), rf::code::kInvalidArgument);
  // String ids of filtered rows get no dense id.
  rf::DelimitedOptions s = o;
  s.idMode = rf::IdMode::String;
  rf::LoadedData sd = rf::parseDelimited("a,x,1\nb,y,5\n", s);
  CHECK(sd.userIds == (S{"b"}));
}

TEST(delimited_binary_and_empty) {
  CHECK_MSG(ERROR_OF(rf::parseDelimited(std::string("1,2\n3,\0\n", 8)), rf::code::kParse), "line 2, column 3: NUL byte");
  CHECK_THROWS_CODE(rf::parseDelimited(""), rf::code::kEmpty);
  CHECK_THROWS_CODE(rf::parseDelimited("\r\n\n  \n"), rf::code::kEmpty);
  CHECK_THROWS_CODE(rf::parseDelimited("0,1\n1,\xff\xfe\n"), rf::code::kParse);
}

TEST(delimited_bad_options) {
  rf::DelimitedOptions o;
  o.delimiter = '"';
  CHECK_THROWS_CODE(rf::parseDelimited("1,2\n", o), rf::code::kInvalidArgument);
  rf::DelimitedOptions noItem;
  noItem.item = rf::ColumnRef{};
  CHECK_THROWS_CODE(rf::parseDelimited("1,2\n", noItem), rf::code::kInvalidArgument);
}
