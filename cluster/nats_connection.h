// What every connection of a node to its NATS servers shares: how it is
// set up and how nats.c's errors read.
#ifndef HINDSIGHT_CLUSTER_NATS_CONNECTION_H_
#define HINDSIGHT_CLUSTER_NATS_CONNECTION_H_

#include <nats/nats.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace hindsight::cluster {

// Sets `options` for `servers` ("nats://host:port" or "host:port"): any of
// them, reconnecting for ever every 250 ms, a ping every 2 s (two
// unanswered: the connection is lost), `timeout` for a request and for
// connecting. With `in_background` a connect that finds no server returns
// NATS_NOT_YET_CONNECTED and goes on trying in the background; with
// `no_echo` the connection receives none of its own messages.
natsStatus ConfigureNats(natsOptions* options, const std::vector<std::string>& servers, absl::Duration timeout,
                         bool in_background, bool no_echo = false);

// `d` in whole milliseconds, at least 1: what nats.c's timeouts take.
int64_t Millis(absl::Duration d);

// The client's account of a failed call: its status, and the detail it
// keeps for this thread when there is one.
std::string NatsError(natsStatus s);

}  // namespace hindsight::cluster

#endif  // HINDSIGHT_CLUSTER_NATS_CONNECTION_H_
