// Checks a database built from an operations file against the reference
// model: the model's answers to a query file, in the expected-answer format
// of `hindsight replay`.
#ifndef HINDSIGHT_TESTS_WORKLOAD_CHECK_H_
#define HINDSIGHT_TESTS_WORKLOAD_CHECK_H_

#include <string>
#include <vector>

#include "format/replay.h"
#include "reference_model.h"

namespace hindsight::testing {

// The model after every transaction of the operations file at `ops_path`
// (a read error fails the calling test).
ReferenceModel ModelFromOps(const std::string& ops_path);

// What `hindsight replay` must print for `queries`, according to `model`.
std::string ModelAnswers(const ReferenceModel& model, const std::vector<internal::ParsedQuery>& queries);

// The query classes of a generated workload (q_point.tsv, ...).
const std::vector<std::string>& QueryClasses();

// Replays each class of the workload in `workload_dir` on `db` with the
// built tool and expects exactly the model's answers, with on average more
// than 1.5 answer lines per query (so the comparison means something).
void ExpectWorkloadAnswersMatchModel(const std::string& db, const std::string& workload_dir,
                                     const ReferenceModel& model);

}  // namespace hindsight::testing

#endif  // HINDSIGHT_TESTS_WORKLOAD_CHECK_H_
