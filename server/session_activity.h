// What each session of `hindsight serve` is doing, as SHOW
// hindsight_sessions lists it (PostgreSQL's pg_stat_activity, in short),
// and what one session may do to another: cancel its statement, end it.
#ifndef HINDSIGHT_SERVER_SESSION_ACTIVITY_H_
#define HINDSIGHT_SERVER_SESSION_ACTIVITY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "hindsight/time.h"

namespace hindsight::server {

// One session at one moment.
struct SessionView {
  int32_t pid = 0;  // BackendKeyData's process id
  std::string user;
  std::string application;  // the client's application_name, "" if none
  std::string client;       // "ADDRESS:PORT"
  bool tls = false;
  Instant backend_start = 0;  // when the session began (after authentication)
  // "active" (running a statement), "idle", "idle in transaction" or
  // "idle in transaction (aborted)", as PostgreSQL's states.
  std::string state;
  Instant state_change = 0;  // when `state` last changed
  Instant query_start = 0;   // when the last statement began (backend_start before any)
  std::string query;         // its text, cut at kQueryBytes; "" before any
};

// One session's activity: written by the session's own thread, read by
// any. Thread-safe; each call takes a mutex of its own, held for a copy.
class SessionActivity {
 public:
  // What a statement's text keeps (PostgreSQL's track_activity_query_size).
  static constexpr size_t kQueryBytes = 1024;

  // Once the session is authenticated: until then View() is nullopt.
  void Start(int32_t pid, std::string user, std::string application, std::string client, bool tls, Instant now);
  // A statement begins: state "active", its text kept (cut at kQueryBytes,
  // on a character boundary).
  void Began(std::string_view statement, Instant now);
  // The session waits for its client again; `status` is ReadyForQuery's:
  // 'I', 'T' or 'E'. state_change moves only when the state does.
  void Waiting(char status, Instant now);
  // The session's application_name changed (SET application_name).
  void SetApplication(std::string application);

  std::optional<SessionView> View() const;

 private:
  void SetState(const char* state, Instant now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::optional<SessionView> view_ ABSL_GUARDED_BY(mu_);
};

// The server's sessions as a session sees them (server.cc keeps them).
class SessionDirectory {
 public:
  virtual ~SessionDirectory() = default;
  // Every authenticated session, in increasing pid order.
  virtual std::vector<SessionView> List() const = 0;
  // Cancels session `pid`'s running statement (57014), as a CancelRequest
  // with its key does; with `terminate`, also ends the session once that
  // statement is over (57P01), rolling back its open transaction. False if
  // there is no such session. `by` (a description of who asked) goes to
  // the server's log for a terminate.
  virtual bool Signal(int32_t pid, bool terminate, const std::string& by) = 0;
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SESSION_ACTIVITY_H_
