// The transaction log on a NATS JetStream stream (nats.c, Debian's
// libnats-dev): entry N is the stream's message with sequence N, on subject
// "<stream>.txlog". Appends carry Nats-Expected-Last-Sequence (the
// expected last entry), Nats-Expected-Last-Msg-Id (the attempt that stored
// it) and Nats-Msg-Id (the attempt id, which the stream de-duplicates
// within its duplicate window, two minutes by default).
// Readers are ephemeral push consumers in memory, with flow control.
// docs/cluster.md has the set-up.
#ifndef HINDSIGHT_CLUSTER_JETSTREAM_LOG_H_
#define HINDSIGHT_CLUSTER_JETSTREAM_LOG_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/transaction_log.h"

namespace hindsight::cluster {

struct JetStreamOptions {
  std::vector<std::string> servers;  // "nats://host:port" or "host:port"
  std::string stream = "hindsight";  // letters, digits, '-' and '_'
  // The stream's replicas when this call creates it (an existing stream
  // keeps its own). 3 needs a cluster of at least three servers.
  int replicas = 3;
  // How long one request to the servers (an append, a stream lookup) may
  // take before it fails with Unavailable.
  absl::Duration request_timeout = absl::Seconds(5);
  // How long Connect waits for the servers' JetStream to be ready (servers
  // that have just started elect a leader first).
  absl::Duration start_timeout = absl::Seconds(30);
  // When no server answers at Connect: false, Connect fails; true, it
  // returns a log that goes on connecting in the background, every request
  // of which fails with Unavailable until a server answers and the stream
  // is found (how a node starts while its servers are away).
  bool connect_in_background = false;
};

class JetStreamLog final : public TransactionLog {
 public:
  // Connects (the client then reconnects by itself, for ever) and finds the
  // stream, creating it (file storage) if it does not exist. Errors:
  // InvalidArgument for a bad stream name; Unavailable when no server
  // answers, or JetStream is off or not ready within start_timeout (with
  // connect_in_background, never: the log finds the stream at its first
  // request a server answers); FailedPrecondition when the stream cannot
  // be created (the message has the server's reason).
  static absl::StatusOr<std::unique_ptr<JetStreamLog>> Connect(const JetStreamOptions& options);
  ~JetStreamLog() override;

  // Deletes the stream and creates it again, empty: how a stream the
  // servers lost entries of is seeded again from a node (hindsight cluster
  // init --replace). Unavailable or FailedPrecondition as for Connect.
  absl::Status Recreate();

  absl::StatusOr<Appended> Append(std::string_view record, uint64_t expected_last,
                                  const std::string& expected_last_attempt, const std::string& attempt_id) override;
  std::vector<absl::StatusOr<Appended>> AppendAll(const std::vector<std::string>& records, uint64_t expected_last,
                                                  const std::string& expected_last_attempt,
                                                  const std::vector<std::string>& attempt_ids,
                                                  absl::Time deadline) override;
  absl::StatusOr<uint64_t> LastId() override;
  absl::StatusOr<uint64_t> FirstId() override;
  // A purge of the stream up to `first_kept`.
  absl::Status Trim(uint64_t first_kept) override;
  // 0 until the stream is found.
  size_t max_record_bytes() const override { return max_record_bytes_.load(std::memory_order_relaxed); }
  absl::StatusOr<std::unique_ptr<LogReader>> Read(uint64_t first) override;
  std::string description() const override { return description_; }
  // Closes its connection, and those it replaced that a reader or a
  // request still uses: nats.c wakes the requests and reads waiting on
  // them, and refuses later ones.
  void Close() override;

 private:
  struct Handles;  // the nats.c connection and JetStream context
  struct Batch;    // an AppendAll's records waiting for their answers
  explicit JetStreamLog(const JetStreamOptions& options);
  // A new connection to any of the servers.
  absl::StatusOr<std::shared_ptr<Handles>> Open() const;
  absl::Status FindOrCreateStream();
  // OK once the stream is found; until then finds it, at once Unavailable
  // while the client has no server. Every request starts with it.
  absl::Status StreamFound();
  // Append, waiting up to `wait` for the answer.
  absl::StatusOr<Appended> AppendWaiting(std::string_view record, uint64_t expected_last,
                                         const std::string& expected_last_attempt, const std::string& attempt_id,
                                         absl::Duration wait);
  std::shared_ptr<Handles> handles() const;
  // Notes the outcome of a request: when requests have failed with
  // Unavailable for a while, the connection is replaced.
  void Observe(const absl::Status& status);
  // Returns `status`, after Observe.
  absl::Status Note(absl::Status status);
  static absl::Status AppendError(int nats_status, int jerr, uint64_t expected_last, size_t bytes);
  // The stream's first and last sequence and its message count.
  struct StreamState {
    uint64_t first = 0, last = 0, messages = 0;
  };
  absl::StatusOr<StreamState> State();

  JetStreamOptions options_;
  std::string subject_;
  std::string description_;
  std::atomic<size_t> max_record_bytes_{0};
  absl::Mutex stream_mu_;  // held while the stream is looked for
  bool stream_found_ ABSL_GUARDED_BY(stream_mu_) = false;
  mutable absl::Mutex handles_mu_;
  std::shared_ptr<Handles> handles_ ABSL_GUARDED_BY(handles_mu_);  // replaced by Observe
  // The connections Observe replaced, while a reader or a request still
  // holds them.
  std::vector<std::weak_ptr<Handles>> replaced_ ABSL_GUARDED_BY(handles_mu_);
  absl::Time failing_since_ ABSL_GUARDED_BY(handles_mu_) = absl::InfiniteFuture();
  bool closed_ ABSL_GUARDED_BY(handles_mu_) = false;  // by Close: no new connection
};

}  // namespace hindsight::cluster

#endif  // HINDSIGHT_CLUSTER_JETSTREAM_LOG_H_
