// The ops-file reader: every malformed line names its line and reason.
#include <sstream>

#include "absl/strings/match.h"
#include "format/ops_read_ahead.h"
#include "format/ops_reader.h"
#include "format/query_file.h"
#include "format/replay.h"
#include "gtest/gtest.h"

namespace hindsight::internal {
namespace {

// The error message of the first failing block of `text`, or "" if all read.
std::string FirstError(const std::string& text) {
  std::istringstream in(text);
  OpsReader reader(&in, "ops.tsv");
  while (true) {
    absl::StatusOr<std::optional<OpsBlock>> b = reader.Next();
    if (!b.ok()) return std::string(b.status().message());
    if (!b->has_value()) return "";
  }
}

TEST(OpsReaderTest, ReadsBlocks) {
  std::istringstream in(
      "# comment\n"
      "tx\t2022-07-01\tnews\n"
      "assert\tSyria\tdiplomatic_relations\tUkraine\t\"severed\"\t2022-06-30\t+inf\n"
      "\n"
      "retract\ta\\tb\tp\\\\q\tc\\nd\t\t1999\t2000\n"
      "tx\t\t\n"
      "erase\tx\ty\tz\n"
      "erase-digest\t00ff" + std::string(60, 'a') + "\n");
  OpsReader reader(&in, "ops.tsv");
  auto first = reader.Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  const OpsBlock& b = **first;
  EXPECT_EQ(b.tx_line, 2);
  EXPECT_EQ(b.op_lines, (std::vector<int>{3, 5}));
  EXPECT_EQ(*b.txn.time(), *ParseInstant("2022-07-01"));
  EXPECT_EQ(b.txn.source(), "news");
  ASSERT_EQ(b.txn.operations().size(), 2u);
  EXPECT_EQ(b.txn.operations()[1].key, (FactKey{"a\tb", "p\\q", "c\nd"}));
  auto second = reader.Next();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_FALSE((*second)->txn.time().has_value());
  EXPECT_EQ((*second)->txn.operations()[0].kind, Operation::Kind::kErase);
  EXPECT_EQ((*second)->op_lines, (std::vector<int>{7, 8}));
  const Operation& by_digest = (*second)->txn.operations()[1];
  EXPECT_EQ(by_digest.kind, Operation::Kind::kErase);
  EXPECT_EQ(by_digest.key, FactKey{});
  EXPECT_EQ(by_digest.key_digest, std::string("\x00\xff", 2) + std::string(30, '\xaa'));
  auto end = reader.Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

// A byte order mark (U+FEFF, as spreadsheets and some editors save UTF-8)
// starts the file without being part of it; anywhere else it is data.
TEST(OpsReaderTest, AByteOrderMarkBeginsAFileAndIsNoPartOfIt) {
  const std::string ops = "tx\t2020\ts\nassert\ta\tp\tb\t1\t2020\t+inf\n";
  EXPECT_EQ(FirstError("\xEF\xBB\xBF" + ops), "");
  EXPECT_EQ(FirstError("\xEF\xBB\xBF# a comment\n" + ops), "");
  EXPECT_EQ(FirstError(ops + "\xEF\xBB\xBF" + ops),
            "ops.tsv:3: unknown operation '\xEF\xBB\xBFtx' (expected tx, assert, retract, erase or erase-digest)");
  std::istringstream queries("\xEF\xBB\xBF" "at\tSyria\t*\tUkraine\t2023\t\n");
  const std::vector<ParsedQuery> read = ReadQueryFile(&queries);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(read[0].query.ok()) << read[0].query.status();
}

TEST(OpsReaderTest, CatalogueOfBadLines) {
  const std::string tx = "tx\t2020\ts\n";
  const struct {
    std::string text;
    std::string message;
  } kCases[] = {
      {"assert\ts\tp\to\t1\t2000\t2001\n", "ops.tsv:1: an operation before the first tx line"},
      {tx + "assert\ts\tp\to\t1\t2000-02-30\t2001\n", "ops.tsv:2: FROM: invalid time literal '2000-02-30'"},
      {tx + "assert\ts\tp\to\t1\t2001\t2000\n", "ops.tsv:2: FROM 2001 is not before TO 2000"},
      {tx + "assert\ts\tp\to\t1\t2001\t2001\n", "ops.tsv:2: FROM 2001 is not before TO 2001"},
      {tx + "assert\t\tp\to\t1\t2000\t2001\n", "ops.tsv:2: subject: empty name"},
      {tx + "assert\ts\t\xff\to\t1\t2000\t2001\n", "ops.tsv:2: predicate: name is not valid UTF-8 (is the file Latin-1 "
                                                "or Windows-1252? convert it: iconv -f WINDOWS-1252 -t UTF-8 FILE > NEW)"},
      {"tx\t2020\tcaf\xe9\n", "ops.tsv:1: SOURCE: not valid UTF-8 (is the file Latin-1"},
      {tx + "\x01" "bad\n", "ops.tsv:2: unknown operation '\\x01bad' (expected tx"},
      {"\xFF\xFEt\0x\0\n", "ops.tsv:1: the file is UTF-16 (it starts with a UTF-16 byte order mark): convert it to UTF-8"},
      {tx + "assert\ts\tp\t" + std::string(4097, 'o') + "\t1\t2000\t2001\n", "ops.tsv:2: object: name of 4097"},
      {tx + "assert\ts\\0\tp\to\t1\t2000\t2001\n", "ops.tsv:2: subject: bad escape '\\0'"},
      {tx + std::string("assert\ts\0\tp\to\t1\t2000\t2001\n", 26), "ops.tsv:2: subject: NUL byte"},
      {tx + "assert\ts\tp\to\tnull\t2000\t2001\n", "ops.tsv:2: invalid value 'null': JSON null"},
      {tx + "assert\ts\tp\to\t9223372036854775808\t2000\t2001\n", "ops.tsv:2: invalid value"},
      {tx + "retract\ts\tp\to\t1\t2000\t2001\n", "ops.tsv:2: a retract carries no value"},
      {tx + "insert\ts\tp\to\t1\t2000\t2001\n", "ops.tsv:2: unknown operation 'insert'"},
      {tx + "assert\ts\tp\to\t1\t2000\n", "ops.tsv:2: 'assert' has 7 fields, found 6"},
      {tx + "erase\ts\tp\to\t\n", "ops.tsv:2: 'erase' has 4 fields, found 5"},
      {"erase-digest\t" + std::string(64, 'a') + "\n", "ops.tsv:1: an operation before the first tx line"},
      {tx + "erase-digest\t" + std::string(64, 'a') + "\tx\n", "ops.tsv:2: 'erase-digest' has 2 fields, found 3"},
      {tx + "erase-digest\t" + std::string(62, 'a') + "\n", "ops.tsv:2: a key digest is 64 lowercase hex digits"},
      {tx + "erase-digest\t" + std::string(64, 'A') + "\n", "ops.tsv:2: a key digest is 64 lowercase hex digits"},
      {"tx\t2020\n", "ops.tsv:1: a tx line has 3 fields"},
      {"tx\t+inf\ts\n", "ops.tsv:1: TX_TIME must be finite"},
      {"tx\t2020-13\ts\n", "ops.tsv:1: TX_TIME: invalid time literal"},
      {tx + "assert\ts\tp\to\t1\t2000\t2001\r\n",
       "ops.tsv:2: raw carriage return at the end of the line: the file has Windows line ends (CR LF); save it with LF "
       "ends (sed -i 's/\\r$//' FILE)"},
      {tx + "assert\ts\tp\to\t\"a\rb\"\t2000\t2001\n", "ops.tsv:2: raw carriage return in line (write \\r)"},
      {"\x89PNG\r\n\x1a\n", "ops.tsv:1: raw carriage return"},
      {"\x89PNG\n", "ops.tsv:1: unknown operation"},
      {tx + "assert\ts\tp\to\t\"trunc", "ops.tsv:2: 'assert' has 7 fields, found 5"},
      {tx + "assert\ts\tp\to\t\"trunc\t2000\t2001\n", "ops.tsv:2: invalid value"},
  };
  for (const auto& c : kCases) {
    const std::string error = FirstError(c.text);
    EXPECT_TRUE(absl::StartsWith(error, c.message)) << "got: " << error << "\nwant: " << c.message;
  }
}

// `blocks` blocks of one assert each, with a bad line after the first `bad_after` when set.
std::string ManyBlocks(int blocks, std::optional<int> bad_after = std::nullopt) {
  std::string text;
  for (int i = 0; i < blocks; ++i) {
    if (bad_after && i == *bad_after) text += "assert\tno\ttx\tline\n";
    text += "tx\t\tsrc" + std::to_string(i) + "\nassert\ts\tp\to\t" + std::to_string(i) + "\t2000\t+inf\n";
  }
  return text;
}

// Every answer of `next` to the end or the first error, with the bytes read after it.
template <typename Reader>
std::vector<std::string> Answers(Reader* reader) {
  std::vector<std::string> answers;
  for (;;) {
    absl::StatusOr<std::optional<OpsBlock>> b = reader->Next();
    if (!b.ok()) {
      answers.push_back(std::string(b.status().message()));
      return answers;
    }
    if (!b->has_value()) return answers;
    answers.push_back((*b)->txn.source() + " line " + std::to_string((*b)->tx_line) + " at " +
                      std::to_string(reader->bytes_read()));
  }
}

TEST(OpsReadAheadTest, HandsOutTheReadersBlocksInOrderAcrossItsBounds) {
  const std::string text = ManyBlocks(500);
  std::istringstream direct_in(text), ahead_in(text);
  OpsReader direct(&direct_in, "ops.tsv"), reader(&ahead_in, "ops.tsv");
  const std::vector<std::string> expected = Answers(&direct);
  ASSERT_EQ(expected.size(), 500u);
  OpsReadAhead ahead(&reader, /*max_blocks=*/7, /*max_bytes=*/100);
  EXPECT_EQ(Answers(&ahead), expected);
  EXPECT_FALSE(ahead.Next()->has_value());  // the end, again
}

TEST(OpsReadAheadTest, AnErrorComesAfterTheBlocksBeforeItAndAgain) {
  const std::string text = ManyBlocks(50, 30);
  std::istringstream direct_in(text), ahead_in(text);
  OpsReader direct(&direct_in, "ops.tsv"), reader(&ahead_in, "ops.tsv");
  const std::vector<std::string> expected = Answers(&direct);
  ASSERT_EQ(expected.size(), 30u);  // the bad line is in block 30
  EXPECT_TRUE(absl::StrContains(expected.back(), "ops.tsv:61:")) << expected.back();
  OpsReadAhead ahead(&reader, 4, 1 << 20);
  EXPECT_EQ(Answers(&ahead), expected);
  EXPECT_EQ(ahead.Next().status().message(), expected.back());
}

TEST(OpsReadAheadTest, StopsWhenLeftBeforeTheEnd) {
  const std::string text = ManyBlocks(1000);
  std::istringstream in(text);
  OpsReader reader(&in, "ops.tsv");
  {
    OpsReadAhead ahead(&reader, 2, 1 << 20);
    ASSERT_TRUE(ahead.Next()->has_value());
  }  // (a reader thread left waiting for room would hang here)
  EXPECT_LT(reader.bytes_read(), static_cast<int64_t>(text.size()));
}

TEST(QueryFileTest, ParsesEveryKindAndRejectsBadLines) {
  auto at = ParseQueryLine("at\tSyria\t*\tUkraine\t2023\t");
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->query.pattern.subject, "Syria");
  EXPECT_FALSE(at->query.pattern.predicate.has_value());
  EXPECT_EQ(at->query.as_of.kind, TxTimeClause::Kind::kLatest);
  auto during = ParseQueryLine("during\t*\tp\t*\t2020\t2021\t2024-12-31");
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->query.valid.kind, ValidTimeClause::Kind::kDuring);
  EXPECT_EQ(during->query.as_of.kind, TxTimeClause::Kind::kAsOfTime);
  auto history = ParseQueryLine("history\t*star\tp\t*");
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(history->is_history);
  EXPECT_EQ(history->query.pattern.subject, "*star");
  for (const char* bad : {"bogus", "at\ts\tp\to\t2023", "at\ts\tp\to\t2023\t\t", "during\ts\tp\to\t2021\t2020\t",
                          "during\ts\tp\to\t2021\t2021\t", "history\ts\tp", "at\ts\\x\tp\to\t2023\t",
                          "at\t\tp\to\t2023\t", "at\ts\tp\to\t2023-02-30\t", "at\ts\tp\to\t2023\tyesterday"}) {
    EXPECT_FALSE(ParseQueryLine(bad).ok()) << bad;
  }
  EXPECT_TRUE(IsIgnoredQueryLine(""));
  EXPECT_TRUE(IsIgnoredQueryLine("# comment"));
  EXPECT_FALSE(IsIgnoredQueryLine("at\t#\tp\to\t2020\t"));
}

}  // namespace
}  // namespace hindsight::internal
