#include "server/session_activity.h"

#include <utility>

#include "util/utf8.h"

namespace hindsight::server {
namespace {

const char* StateOf(char status) {
  switch (status) {
    case 'T': return "idle in transaction";
    case 'E': return "idle in transaction (aborted)";
    default: return "idle";
  }
}

}  // namespace

void SessionActivity::Start(int32_t pid, std::string user, std::string application, std::string client, bool tls,
                            Instant now) {
  SessionView v;
  v.pid = pid;
  v.user = std::move(user);
  v.application = std::move(application);
  v.client = std::move(client);
  v.tls = tls;
  v.backend_start = now;
  v.state = StateOf('I');
  v.state_change = now;
  v.query_start = now;
  absl::MutexLock lock(&mu_);
  view_ = std::move(v);
}

void SessionActivity::SetState(const char* state, Instant now) {
  if (view_->state == state) return;
  view_->state = state;
  view_->state_change = now;
}

void SessionActivity::Began(std::string_view statement, Instant now) {
  absl::MutexLock lock(&mu_);
  if (!view_) return;
  view_->query.assign(internal::PrefixAtCharacter(statement, kQueryBytes));
  view_->query_start = now;
  SetState("active", now);
}

void SessionActivity::SetApplication(std::string application) {
  absl::MutexLock lock(&mu_);
  if (view_) view_->application = std::move(application);
}

void SessionActivity::Waiting(char status, Instant now) {
  absl::MutexLock lock(&mu_);
  if (view_) SetState(StateOf(status), now);
}

std::optional<SessionView> SessionActivity::View() const {
  absl::MutexLock lock(&mu_);
  return view_;
}

}  // namespace hindsight::server
