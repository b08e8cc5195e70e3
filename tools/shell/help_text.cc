#include "shell/help_text.h"

#include <map>

namespace hindsight::tools {
namespace {

const std::map<std::string, std::string>& Topics() {
  static const auto* topics = new std::map<std::string, std::string>{
      {"read",
       "Ask what was true:  SUBJECT PREDICATE OBJECT [valid-time clause] [as of ...];\n"
       "  Syria * Ukraine at 2023-01-01;\n"
       "  Syria diplomatic_relations * during [2020, 2026);\n"
       "  \"South Korea\" * * at 2025-10-01 as of 2025-01-01;\n"
       "'*' matches any name; quote names with spaces or punctuation (\"*\" is the name *).\n"
       "Without a valid-time clause every segment is listed. 'count' before a read counts rows.\n"
       "See also: help time, help relations, help asof.\n"},
      {"time",
       "Time literals: 2025, 2025-09, 2025-09-25, 2025-09-25T10:30Z, 2025-09-25T10:30:00.5+03:00,\n"
       "-inf, +inf. A coarse literal means its first instant; no suffix means UTC.\n"
       "now is the clock as the statement is read: Syria * * at now; assert A p B from now.\n"
       "Valid intervals are half-open: [from, to).\n"},
      {"relations",
       "Valid-time clauses (SQL:2011 period predicates; a point T stands for [T, T+1µs)):\n"
       "  at T                 the segment containing T\n"
       "  during [a, b)        segments overlapping [a, b), printed whole\n"
       "  overlaps [a, b)      the same as during\n"
       "  contains T | [a, b)  segments containing the point or the whole interval\n"
       "  before T | [a, b)    segments that end at or before it starts\n"
       "  after T | [a, b)     segments that start at or after it ends\n"
       "  meets T | [a, b)     segments that end where it starts or start where it ends\n"
       "  equals [a, b)        exactly that interval\n"},
      {"asof",
       "What was known when:  ... as of 2025-01-01;   ... as of tx 3;\n"
       "'for system_time as of' is accepted too. Default: everything committed.\n"},
      {"history",
       "history SUBJECT PREDICATE OBJECT;  every segment with the transaction-time interval\n"
       "[tx_from, tx_to) during which it was believed.\n"},
      {"changes",
       "changes SUBJECT PREDICATE OBJECT between T1 and T2;  (or: between tx 2 and tx 5)\n"
       "What changed in our knowledge: '-' rows were believed at T1 and no longer at T2,\n"
       "'+' rows are new at T2.\n"},
      {"since",
       "since SUBJECT PREDICATE OBJECT [as of ...];  the segment that contains now:\n"
       "since when each matching fact has been true, and until when.\n"},
      {"timeline",
       "timeline SUBJECT PREDICATE OBJECT [during [A, B)] [as of ...] [limit N] [svg FILE];\n"
       "draws a lane per key and a bar per segment over valid time: the axis fits the data\n"
       "(or the window), a glyph per value in the legend, labels cut to their bar.\n"
       "timeline history SUBJECT PREDICATE OBJECT [during [A, B)] [limit N] [svg FILE];\n"
       "the bitemporal picture: for each key a band per transaction that changed it, what was\n"
       "believed from then on, named by its tx and source (transaction time down).\n"
       "limit N draws N keys (default 40; 200 in SVG). 'svg FILE' writes an SVG for a browser.\n"},
      {"write",
       "assert SUBJECT PREDICATE OBJECT [= VALUE] [from T] [to T];   (default from -inf to +inf)\n"
       "retract SUBJECT PREDICATE OBJECT [from T] [to T];\n"
       "erase SUBJECT PREDICATE OBJECT;            removes every version, for legal deletion\n"
       "VALUE is JSON: \"text\", 42, 4.5, true, false; without '=' the relation simply holds.\n"
       "  assert Syria diplomatic_relations Ukraine = \"severed\" from 2022-06-30;\n"
       "  retract Syria embassy Russia from 2024-12-08 to 2025-01-01;\n"
       "Each statement is its own transaction unless inside begin ... commit (help transactions).\n"},
      {"transactions",
       "begin [at TIME] [source NAME];  ... writes ...  commit;   (or rollback;)\n"
       "The writes apply together at commit, at TIME (default: now) with the source recorded;\n"
       "if the commit fails nothing is written. Reads inside see committed data only.\n"
       "savepoint NAME;  rollback to NAME;  release NAME;   in a transaction, as SQL's:\n"
       "rollback to drops the writes since the savepoint, release keeps them.\n"
       ".tx lists recent transactions.\n"
       "await tx N [timeout D];   wait until transaction N is here (default 10s): on a\n"
       "cluster node, read what was committed through another node (docs/cluster.md).\n"},
      {"commands",
       ".format table|tsv|csv|json   how results print (table by default)\n"
       ".headers auto|on|off         column names (auto: in table and csv, not tsv)\n"
       ".expanded off|on|auto        a block per row (auto: when wider than the screen)\n"
       ".maxwidth N|off              cut table cells to N columns, ending in ...\n"
       ".pager on|off                long answers through $PAGER (less -S; on by default)\n"
       ".timer on|off                print the time each statement took\n"
       ".tx [N]                      the last N transactions (10) with their metadata\n"
       ".names [PREFIX]              the names in use (that start with PREFIX)\n"
       ".stats                       keys, segments, transactions, bytes on disk\n"
       ".predicates                  each predicate with its keys and current segments\n"
       ".sessions                    a server's sessions: who, from where, doing what\n"
       ".output [FILE], .once FILE   answers to FILE (until .output; .once: the next one)\n"
       ".read FILE                   run the statements of FILE\n"
       ".bail on|off                 stop a script at its first error\n"
       ".help                        this overview;  .quit, .exit, \\q or Ctrl-D leave\n"
       "psql's \\x, \\timing, \\o, \\i, \\?, \\h and \\q work as their dot commands.\n"
       "Ctrl-C cancels the line being typed or the running read; the session stays.\n"},
  };
  return *topics;
}

}  // namespace

std::string HelpText(const std::string& topic) {
  if (topic.empty()) {
    return "Statements end with ';'. Keywords are case-insensitive; -- and /* */ are comments.\n"
           "  Syria * Ukraine at 2023-01-01;                    what was true then\n"
           "  Syria * Ukraine at 2025-10-01 as of 2025-01-01;   ... as known on 2025-01-01\n"
           "  history Syria * Ukraine;                          how our knowledge changed\n"
           "  changes * * * between 2025-01-01 and 2025-12-31;  what we learned in 2025\n"
           "  since Syria * *;                                  since when the current facts hold\n"
           "  timeline Syria diplomatic_relations *;            a chart\n"
           "  assert Syria embassy Ukraine = \"open\" from 2025-10;  a write\n"
           "Topics: help read | time | relations | asof | history | changes | since | timeline |\n"
           "        write | transactions | commands\n";
  }
  auto it = Topics().find(topic);
  if (it != Topics().end()) return it->second;
  std::string list = "No help on '" + topic + "'. Topics:";
  for (const auto& [name, text] : Topics()) list += " " + name;
  return list + "\n";
}

}  // namespace hindsight::tools
