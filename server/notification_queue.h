// NOTIFY's notifications between the sessions of one server: one queue in
// the order they were published, which each listening session reads from
// a position of its own.
//
// Bounded, as PostgreSQL's: a notification stays until every session that
// listened when it was published has read it, so a listener that does not
// read (a client that stopped, a session idle in a transaction block) holds
// the queue, and once it holds max_bytes a NOTIFY fails (54000) until that
// listener reads, unlistens or leaves. On a cluster node the queue also
// holds what other nodes' sessions sent (Deliver). Thread-safe.
#ifndef HINDSIGHT_SERVER_NOTIFICATION_QUEUE_H_
#define HINDSIGHT_SERVER_NOTIFICATION_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace hindsight::server {

struct Notification {
  int32_t sender = 0;  // the publishing session's pid
  std::string channel;
  std::string payload;

  bool operator==(const Notification&) const = default;
};

class NotificationQueue {
 public:
  // `published` is called after each Publish or Deliver that added
  // something, outside the queue's lock: the server wakes the listening
  // sessions. `relay`, if set, is called with what each Publish accepted
  // (kept here or not), outside the lock: a cluster node sends it to the
  // other nodes.
  NotificationQueue(size_t max_bytes, std::function<void()> published,
                    std::function<void(const std::vector<Notification>&)> relay = nullptr)
      : max_bytes_(max_bytes), published_(std::move(published)), relay_(std::move(relay)) {}

  // Session `pid` reads from now on what is published after this call; a
  // session that reads already keeps its position.
  void Join(int32_t pid);
  // Session `pid` reads no more: what only it had left to read is dropped.
  void Leave(int32_t pid);

  // Appends `notes`, which this server's sessions sent, together and in
  // order (a committed transaction's), then relays them. ResourceExhausted,
  // appending and relaying none, when they would take what the queue holds
  // (and the room Reserve holds for others) past max_bytes; each counts its
  // channel, payload and a fixed overhead. With `reserved`, the room that
  // Reserve(notes) held is theirs: never ResourceExhausted.
  absl::Status Publish(const std::vector<Notification>& notes, bool reserved = false);

  // Holds room for `notes` until Publish(notes, true) or Release(notes):
  // what a transaction block does before it commits, so that a COMMIT whose
  // notifications do not fit fails, as PostgreSQL's does, instead of
  // committing without them. ResourceExhausted, holding nothing, when there
  // is not that room.
  absl::Status Reserve(const std::vector<Notification>& notes);
  void Release(const std::vector<Notification>& notes);

  // Appends `notes`, which another node's sessions sent, as Publish does
  // but without relaying them. ResourceExhausted as Publish.
  absl::Status Deliver(const std::vector<Notification>& notes);

  // Up to `max` notifications published since session `pid` joined that it
  // has not read yet, oldest first; it has read them once this returns.
  // Empty for a session that has not joined.
  std::vector<Notification> Take(int32_t pid, size_t max);

  // What the queue holds, in the bytes Publish counts.
  size_t bytes() const;
  // What Publish counts for `n`.
  static size_t BytesOf(const Notification& n) { return n.channel.size() + n.payload.size() + 64; }

 private:
  // Appends `notes` for the readers there are; ResourceExhausted when they
  // would take the queue past max_bytes, unless `reserved`.
  absl::Status Append(const std::vector<Notification>& notes, bool reserved);
  // What BytesOf counts for `notes`.
  static size_t BytesOf(const std::vector<Notification>& notes);
  absl::Status Full() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the notifications every reader has read.
  void DropRead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_bytes_;
  const std::function<void()> published_;
  const std::function<void(const std::vector<Notification>&)> relay_;
  mutable absl::Mutex mu_;
  std::deque<Notification> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t first_ ABSL_GUARDED_BY(mu_) = 0;  // the position of queue_.front()
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  size_t reserved_ ABSL_GUARDED_BY(mu_) = 0;  // held by Reserve
  std::map<int32_t, uint64_t> readers_ ABSL_GUARDED_BY(mu_);  // pid -> the position it reads next
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_NOTIFICATION_QUEUE_H_
