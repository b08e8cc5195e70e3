#include "cluster/nats_connection.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hindsight::cluster {

natsStatus ConfigureNats(natsOptions* options, const std::vector<std::string>& servers, absl::Duration timeout,
                         bool in_background, bool no_echo) {
  std::vector<const char*> urls;
  for (const std::string& s : servers) urls.push_back(s.c_str());
  natsStatus s = natsOptions_SetServers(options, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(options, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(options, 250);
  if (s == NATS_OK) s = natsOptions_SetTimeout(options, Millis(timeout));
  if (s == NATS_OK) s = natsOptions_SetPingInterval(options, 2000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(options, 2);
  if (s == NATS_OK) s = natsOptions_SetName(options, "hindsight");
  if (s == NATS_OK && no_echo) s = natsOptions_SetNoEcho(options, true);
  if (s == NATS_OK && in_background) {
    // With a callback (which has nothing to do) the client connects in the
    // background when no server answers at once.
    s = natsOptions_SetRetryOnFailedConnect(options, true, [](natsConnection*, void*) {}, nullptr);
  }
  return s;
}

int64_t Millis(absl::Duration d) { return std::max<int64_t>(1, absl::ToInt64Milliseconds(d)); }

std::string NatsError(natsStatus s) {
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  std::string text = natsStatus_GetText(s);
  if (detail != nullptr && *detail != '\0' && last == s) absl::StrAppend(&text, " (", detail, ")");
  return text;
}

}  // namespace hindsight::cluster
