// The Hindsight query language: one statement, parsed. Shared by the shell
// and `hindsight query`; docs/query-language.md is the user's reference.
//
//   statement := read | "count" read | "history" pattern [limit]
//              | "changes" pattern "between" txpoint "and" txpoint [limit]
//              | "since" pattern [asof] [limit] | "timeline" pattern [asof] ["svg" FILE]
//              | "assert" key ["=" VALUE] [from] [to] | "retract" key [from] [to]
//              | "erase" key | "begin" ["at" TIME] ["source" NAME]
//              | "commit" | "rollback" | "help" [WORD]
//   read      := pattern [valid] [asof] [limit]      limit := "limit" NUMBER
//   pattern   := term term term          term := "*" | NAME
//   valid     := "at" TIME | "during" interval | "overlaps" interval
//              | ("contains" | "before" | "after" | "meets") (TIME | interval)
//              | "equals" interval
//   interval  := "[" TIME "," TIME ")"
//   asof      := "as" "of" txpoint | "for" "system_time" "as" "of" txpoint
//   txpoint   := TIME | "tx" NUMBER
// NAME is a bare word, a "quoted name" (JSON escapes) or a 'SQL string'
// ('' for a quote); a bare * is the wildcard, "*" the name. A TIME may be a
// 'SQL string' too, and a VALUE a 'SQL string' (a text value). $1, $2, ...
// stand for parameters wherever a NAME, a TIME or a VALUE may. Keywords are
// case-insensitive; a final ";" is optional.
#ifndef HINDSIGHT_QUERY_STATEMENT_H_
#define HINDSIGHT_QUERY_STATEMENT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hindsight/fact.h"
#include "hindsight/query.h"

namespace hindsight::internal {

// An Allen-style relation between a segment and the interval of the valid
// clause (a point T stands for [T, T+1µs)), SQL:2011 period predicates.
enum class Relation {
  kNone,      // no relation filter: `at` and `during` use the query itself
  kOverlaps,  // they share an instant (the same as during)
  kContains,  // the segment contains the whole interval
  kBefore,    // the segment ends at or before the interval starts
  kAfter,     // the segment starts at or after the interval ends
  kMeets,     // the segment ends where the interval starts, or starts where it ends
  kEquals,    // the same interval
};

// True when segment `s` stands in `relation` to `i`. With `point`, `i` is
// [T, T+1µs) for a point T, and kMeets means the segment ends or starts at T.
bool RelationHolds(Relation relation, Interval s, Interval i, bool point);

struct Statement {
  enum class Kind {
    kRead, kCount, kHistory, kChanges, kSince, kTimeline,
    kAssert, kRetract, kErase, kBegin, kCommit, kRollback, kHelp, kAwait,
    kSavepoint, kRelease, kRollbackTo,  // SQL's savepoints, by `savepoint`
  };
  Kind kind = Kind::kRead;
  Query query;                        // pattern, valid clause, as of
  Relation relation = Relation::kNone;
  Interval relation_interval;         // for relation != kNone
  bool relation_point = false;        // the relation was given a point T
  TxTimeClause changes_from, changes_to;  // kChanges
  FactKey key;                        // writes
  Value value;                        // kAssert
  Interval valid;                     // kAssert, kRetract
  std::optional<Instant> tx_time;     // kBegin
  std::optional<std::string> source;  // kBegin
  bool timeline_history = false;      // kTimeline: `timeline history`, the bitemporal picture
  std::string svg_path;               // kTimeline with svg
  size_t svg_column = 0;              // kTimeline with svg: where "svg" starts (1-based)
  std::string topic;                  // kHelp
  std::string savepoint;              // kSavepoint, kRelease, kRollbackTo: the name, lower case unless quoted
  std::optional<uint64_t> limit;      // reads, history, changes, since: at most this many rows;
                                      // timeline: this many keys
  uint64_t await_tx = 0;              // kAwait: the transaction to wait for
  absl::Duration await_timeout = absl::Seconds(10);  // kAwait
  // A time was written `now`: the clock's reading as the statement was
  // parsed (one for all of its nows), so parsing it again reads another.
  bool reads_now = false;

  bool is_history() const { return kind == Kind::kHistory; }
};

// Values for the parameters $1, $2, ... of a statement.
struct StatementParams {
  // values[i] is $(i+1); nullopt is SQL NULL: where a VALUE stands, none
  // (the relation simply holds); elsewhere an error.
  std::vector<std::optional<std::string>> values;
  // text_typed[i]: the client declared $(i+1) as text, so where a VALUE
  // stands it is a text value even if it reads as a number. Otherwise a
  // parameter that reads as a JSON scalar is that scalar (42, 4.5, true,
  // "quoted"), anything else a text value.
  std::vector<bool> text_typed;
  // Every parameter stands for a placeholder (a name, the time 1970, no
  // value), to learn a statement's kind before its values are known.
  bool placeholders = false;
};

// InvalidArgument "column N: expected ..., found ..." on a malformed
// statement; N is the 1-based byte position in `text`, also carried as data
// (ErrorColumn). Parameters ($1 ...) need `params`.
absl::StatusOr<Statement> ParseStatement(std::string_view text, const StatementParams* params = nullptr);

struct Token;

// A statement's text split into tokens once, to be parsed with different
// parameter values (a prepared statement's Executes) without reading its
// text again. Copies share the tokens.
class LexedStatement {
 public:
  // InvalidArgument as ParseStatement's for text that does not lex (an
  // unterminated quote, a character outside the language).
  static absl::StatusOr<LexedStatement> Of(std::string_view text);
  // The memory its tokens take (for a server's count of what a session
  // holds).
  size_t bytes() const;

 private:
  friend absl::StatusOr<Statement> ParseStatement(const LexedStatement& lexed, const StatementParams* params);
  std::shared_ptr<const std::vector<Token>> tokens_;
};

// ParseStatement of the text `lexed` was made from, as parsing the text
// would: the same statement, or the same error.
absl::StatusOr<Statement> ParseStatement(const LexedStatement& lexed, const StatementParams* params);

// InvalidArgument "column N: message", carrying N as data (ErrorColumn):
// how a statement error made elsewhere (a server's answer) is given the
// same shape.
absl::Status StatementErrorAt(size_t column, std::string_view message);

// The 1-based byte position a statement error points at, if it has one.
std::optional<size_t> ErrorColumn(const absl::Status& status);
// Whether the error is a time literal that does not read.
bool IsTimeLiteralError(const absl::Status& status);
// The error's message without its "column N: " prefix.
std::string_view ErrorReason(const absl::Status& status);

// The number of parameters `text` uses: the largest N of its $N (0 if
// none, or if it does not lex).
size_t ParameterCount(std::string_view text);

// Where each parameter of `text` stands (element i for $(i+1); shorter
// than ParameterCount when the last ones stand elsewhere): a server
// describes those where a time, a value or a number (a transaction id, a
// limit) stands as a timestamp, JSON or an integer, as PostgreSQL infers a
// parameter's type from where it stands. Empty when the statement does not
// parse.
enum class ParameterPlace { kOther, kTime, kValue, kNumber };
std::vector<ParameterPlace> ParameterPlaces(std::string_view text);

// Whether `name` written as it is, unquoted, reads as that name: one word,
// not a keyword, with no `*` nor anything that starts a comment, a string
// or a parameter. Otherwise it is written quoted ("it's").
bool ReadsAsName(std::string_view name);

// The prefix a person means by `written` in a search of names by prefix
// (.names Syr*, SHOW hindsight_names Syr*): `written` without trailing `*`.
inline std::string_view NamePrefix(std::string_view written) {
  return written.substr(0, written.find_last_not_of('*') + 1);
}

// Whether `statement` starts with a word of SQL's queries, writes or
// definitions (SELECT, INSERT, UPDATE, DELETE, WITH, CREATE, ...): what a
// statement of SQL, which Hindsight does not take, looks like, for a hint.
bool StartsLikeSql(std::string_view statement);
// The hint for such a statement, to which each tool adds where to look next.
inline constexpr char kNotSqlHint[] =
    "Hindsight reads its own language, not SQL: a read is a pattern such as Syria * Ukraine at 2025-10-01, a write "
    "assert S P O = VALUE from TIME";

// The keywords of the language, for completion and help.
const std::vector<std::string>& Keywords();
// Words that begin a statement only in its own shape (savepoint NAME,
// release [savepoint] NAME) and are names anywhere else: offered by
// completion, but neither quoted when they are names nor typo hints.
const std::vector<std::string>& StatementOnlyWords();

}  // namespace hindsight::internal

#endif  // HINDSIGHT_QUERY_STATEMENT_H_
