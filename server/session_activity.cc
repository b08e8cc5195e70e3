#include "server/session_activity.h"

#include <utility>

namespace hindsight::server {
namespace {

// `text` cut to at most `bytes`, not inside a UTF-8 character.
std::string_view CutAtCharacter(std::string_view text, size_t bytes) {
  if (text.size() <= bytes) return text;
  size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

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
  view_->query.assign(CutAtCharacter(statement, kQueryBytes));
  view_->query_start = now;
  SetState("active", now);
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
