#include "server/notification_relay.h"

namespace hindsight::server {

absl::Status RelayedDelivery::Receive(const RelayedNotifications& batch) {
  const uint64_t have = db_->LastTransaction().id;
  if (batch.applied > have && have >= gave_up_at_ && !db_->AwaitTransaction(batch.applied, wait_, cancel_).ok()) {
    gave_up_at_ = batch.applied;
  }
  return queue_->Deliver(batch.notes);
}

}  // namespace hindsight::server
