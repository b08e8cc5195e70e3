#include "cluster/jetstream_log.h"

#include <nats/nats.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "cluster/nats_connection.h"

namespace hindsight::cluster {
namespace {

// Room left in a message for the headers an append adds.
constexpr size_t kHeaderAllowance = 512;
// A connection whose requests have all failed this long is replaced.
constexpr absl::Duration kReconnectAfter = absl::Seconds(10);
// How often a reader's consumer shows it is alive when it has nothing to
// hand out (flow control needs heartbeats), in nanoseconds.
constexpr int64_t kReaderHeartbeat = int64_t{5} * 1000 * 1000 * 1000;

bool ValidStreamName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

// A message of `record` on `subject` with an append's headers (see
// TransactionLog::Append); nullptr if the client cannot build it.
MsgPtr AppendMessage(const std::string& subject, const std::string& stream, std::string_view record,
                     uint64_t expected_last, const std::string& expected_last_attempt, const std::string& attempt_id) {
  natsMsg* raw = nullptr;
  if (natsMsg_Create(&raw, subject.c_str(), nullptr, record.data(), static_cast<int>(record.size())) != NATS_OK) {
    return nullptr;
  }
  MsgPtr msg(raw);
  const std::string expected = absl::StrCat(expected_last);
  natsStatus s = natsMsgHeader_Set(msg.get(), "Nats-Msg-Id", attempt_id.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), "Nats-Expected-Last-Sequence", expected.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), "Nats-Expected-Stream", stream.c_str());
  if (s == NATS_OK && expected_last > 0) {
    s = natsMsgHeader_Set(msg.get(), "Nats-Expected-Last-Msg-Id", expected_last_attempt.c_str());
  }
  return s == NATS_OK ? std::move(msg) : nullptr;
}

// The value of header `key` of `msg` ("" when it has none).
std::string Header(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  return natsMsgHeader_Get(msg, key, &value) == NATS_OK && value != nullptr ? value : "";
}

class JetStreamReader final : public LogReader {
 public:
  // `connection` keeps the subscription's connection open.
  JetStreamReader(natsSubscription* sub, std::shared_ptr<void> connection)
      : sub_(sub), connection_(std::move(connection)) {}
  ~JetStreamReader() override {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }

  absl::StatusOr<LogEntry> Next(absl::Duration timeout) override {
    natsMsg* raw = nullptr;
    // The client takes 0 as "only a message already received".
    const int64_t wait = timeout <= absl::ZeroDuration() ? 0 : Millis(timeout);
    const natsStatus s = natsSubscription_NextMsg(&raw, sub_, wait);
    if (s == NATS_TIMEOUT) return absl::DeadlineExceededError("no new entry");
    if (s != NATS_OK) return absl::UnavailableError(absl::StrCat("cannot read the stream: ", NatsError(s)));
    MsgPtr msg(raw);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg.get()) != NATS_OK) {
      return absl::UnavailableError("a message of the stream came without its metadata");
    }
    LogEntry entry{meta->Sequence.Stream,
                   std::string(natsMsg_GetData(msg.get()), static_cast<size_t>(natsMsg_GetDataLength(msg.get()))),
                   Header(msg.get(), "Nats-Msg-Id"), Header(msg.get(), "Nats-Expected-Last-Msg-Id"),
                   meta->NumPending};
    jsMsgMetaData_Destroy(meta);
    return entry;
  }

 private:
  natsSubscription* sub_;
  std::shared_ptr<void> connection_;
};

}  // namespace

// An AppendAll waiting for the answers to its records.
struct JetStreamLog::Batch {
  absl::Mutex mu;
  absl::CondVar answered;
  std::vector<absl::StatusOr<Appended>> answers ABSL_GUARDED_BY(mu);
  size_t unanswered ABSL_GUARDED_BY(mu) = 0;
  uint64_t expected_last = 0;                     // of the first record
  std::vector<size_t> bytes;
};

struct JetStreamLog::Handles {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  // The asynchronous appends waiting for an answer: attempt id -> batch,
  // index in it.
  absl::Mutex mu;
  absl::flat_hash_map<std::string, std::pair<std::shared_ptr<Batch>, size_t>> waiting ABSL_GUARDED_BY(mu);

  // nats.c's answer to an asynchronous append (on its own thread).
  static void OnAnswer(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure) {
    MsgPtr owned(msg);
    Handles* self = static_cast<Handles*>(closure);
    std::pair<std::shared_ptr<Batch>, size_t> entry;
    {
      absl::MutexLock lock(&self->mu);
      auto it = self->waiting.find(Header(msg, "Nats-Msg-Id"));
      if (it == self->waiting.end()) return;  // its AppendAll gave up waiting
      entry = std::move(it->second);
      self->waiting.erase(it);
    }
    Batch& batch = *entry.first;
    const size_t i = entry.second;
    absl::StatusOr<Appended> answer =
        ack != nullptr ? absl::StatusOr<Appended>(Appended{ack->Sequence, ack->Duplicate})
        : error != nullptr
            ? absl::StatusOr<Appended>(AppendError(error->Err, error->ErrCode, batch.expected_last + i, batch.bytes[i]))
            : absl::StatusOr<Appended>(absl::UnavailableError("no answer"));
    absl::MutexLock lock(&batch.mu);
    batch.answers[i] = std::move(answer);
    --batch.unanswered;
    batch.answered.SignalAll();
  }

  ~Handles() {
    jsCtx_Destroy(js);
    if (connection != nullptr) natsConnection_Close(connection);
    natsConnection_Destroy(connection);
    natsOptions_Destroy(options);
  }
};

JetStreamLog::JetStreamLog(const JetStreamOptions& options)
    : options_(options),
      subject_(options.stream + ".txlog"),
      description_(absl::StrCat("stream ", options.stream, " at ", absl::StrJoin(options.servers, ","))) {}

JetStreamLog::~JetStreamLog() = default;

absl::StatusOr<std::unique_ptr<JetStreamLog>> JetStreamLog::Connect(const JetStreamOptions& options) {
  if (!ValidStreamName(options.stream)) {
    return absl::InvalidArgumentError(absl::StrCat("bad stream name \"", options.stream,
                                                   "\": use letters, digits, '-' and '_'"));
  }
  if (options.servers.empty()) return absl::InvalidArgumentError("no NATS server given");
  std::unique_ptr<JetStreamLog> log(new JetStreamLog(options));
  absl::StatusOr<std::shared_ptr<Handles>> handles = log->Open();
  if (!handles.ok()) return handles.status();
  const bool connected = natsConnection_Status((*handles)->connection) == NATS_CONN_STATUS_CONNECTED;
  {
    absl::MutexLock lock(&log->handles_mu_);
    log->handles_ = *std::move(handles);
  }
  if (!connected) return log;  // connecting in the background
  // Servers that have just started elect their JetStream leader first.
  const absl::Time deadline = absl::Now() + options.start_timeout;
  for (;;) {
    absl::Status s = log->StreamFound();
    if (s.ok()) return log;
    if (!absl::IsUnavailable(s)) return s;
    if (absl::Now() >= deadline) {
      if (options.connect_in_background) return log;
      return s;
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
}

absl::StatusOr<std::shared_ptr<JetStreamLog::Handles>> JetStreamLog::Open() const {
  auto handles = std::make_shared<Handles>();
  Handles& h = *handles;
  natsStatus s = natsOptions_Create(&h.options);
  if (s == NATS_OK) {
    s = ConfigureNats(h.options, options_.servers, options_.request_timeout, options_.connect_in_background);
  }
  if (s != NATS_OK) return absl::InvalidArgumentError(absl::StrCat("bad NATS options: ", NatsError(s)));
  s = natsConnection_Connect(&h.connection, h.options);
  if (s != NATS_OK && !(s == NATS_NOT_YET_CONNECTED && options_.connect_in_background)) {
    return absl::UnavailableError(absl::StrCat("cannot connect to NATS at ", absl::StrJoin(options_.servers, ","),
                                               ": ", NatsError(s)));
  }
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = Millis(options_.request_timeout);
  js_options.PublishAsync.AckHandler = &Handles::OnAnswer;
  js_options.PublishAsync.AckHandlerClosure = handles.get();
  s = natsConnection_JetStream(&h.js, h.connection, &js_options);
  if (s != NATS_OK) return absl::UnavailableError(absl::StrCat("cannot use JetStream: ", NatsError(s)));
  return handles;
}

std::shared_ptr<JetStreamLog::Handles> JetStreamLog::handles() const {
  absl::MutexLock lock(&handles_mu_);
  return handles_;
}

absl::Status JetStreamLog::Note(absl::Status status) {
  Observe(status);
  return status;
}

void JetStreamLog::Observe(const absl::Status& status) {
  absl::MutexLock lock(&handles_mu_);
  if (closed_) return;
  if (!absl::IsUnavailable(status)) {
    failing_since_ = absl::InfiniteFuture();
    return;
  }
  const absl::Time now = absl::Now();
  if (failing_since_ == absl::InfiniteFuture()) failing_since_ = now;
  if (now - failing_since_ < kReconnectAfter) return;
  // A client with no server is reconnecting by itself: a new connection
  // would do no better, and requests waiting on this one would not be
  // woken by Close.
  if (natsConnection_Status(handles_->connection) != NATS_CONN_STATUS_CONNECTED) return;
  // The server this connection is on has answered nothing for a while,
  // though it is still connected (one just out of a pause can be left
  // without routes): connect again, to any of the servers.
  failing_since_ = absl::InfiniteFuture();
  if (absl::StatusOr<std::shared_ptr<Handles>> fresh = Open(); fresh.ok()) {
    // Readers and requests may still be on the old one: Close closes it too.
    std::erase_if(replaced_, [](const std::weak_ptr<Handles>& h) { return h.expired(); });
    replaced_.push_back(handles_);
    handles_ = *std::move(fresh);
  }
}

void JetStreamLog::Close() {
  std::vector<std::shared_ptr<Handles>> open;
  {
    absl::MutexLock lock(&handles_mu_);
    closed_ = true;
    open.push_back(handles_);
    for (const std::weak_ptr<Handles>& old : replaced_) {
      if (std::shared_ptr<Handles> h = old.lock()) open.push_back(std::move(h));
    }
  }
  for (const std::shared_ptr<Handles>& h : open) natsConnection_Close(h->connection);
}

absl::Status JetStreamLog::FindOrCreateStream() {
  const std::shared_ptr<Handles> handles = this->handles();
  Handles& h = *handles;
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, h.js, options_.stream.c_str(), nullptr, &jerr);
  if (s != NATS_OK && jerr == JSStreamNotFoundErr) {
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char* subjects[] = {subject_.c_str()};
    config.Name = options_.stream.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Replicas = options_.replicas;
    jerr = static_cast<jsErrCode>(0);
    s = js_AddStream(&info, h.js, &config, nullptr, &jerr);
    // Servers that have just started know their leader before their peers.
    const bool starting = jerr == JSClusterNotAvailErr || jerr == JSClusterNotLeaderErr || jerr == JSClusterNoPeersErr;
    if (s != NATS_OK && jerr != 0 && !starting) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create stream ", options_.stream, " with ", options_.replicas,
                       " replicas: ", NatsError(s), " (JetStream error ", static_cast<int>(jerr), ")"));
    }
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(absl::StrCat("cannot find stream ", options_.stream, ": ", NatsError(s)));
  }
  int64_t limit = natsConnection_GetMaxPayload(h.connection);
  if (info->Config->MaxMsgSize > 0) limit = std::min<int64_t>(limit, info->Config->MaxMsgSize);
  max_record_bytes_ = limit > static_cast<int64_t>(kHeaderAllowance) ? limit - kHeaderAllowance : 0;
  jsStreamInfo_Destroy(info);
  return absl::OkStatus();
}

absl::Status JetStreamLog::StreamFound() {
  absl::MutexLock lock(&stream_mu_);
  if (stream_found_) return absl::OkStatus();
  if (natsConnection_Status(handles()->connection) != NATS_CONN_STATUS_CONNECTED) {
    return absl::UnavailableError(absl::StrCat("no NATS server answers at ", absl::StrJoin(options_.servers, ",")));
  }
  // Noted as any request's outcome: a server that is connected but does
  // not answer is left for another after a while.
  absl::Status s = Note(FindOrCreateStream());
  stream_found_ = s.ok();
  return s;
}

absl::Status JetStreamLog::Recreate() {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_DeleteStream(handles()->js, options_.stream.c_str(), nullptr, &jerr);
  if (s != NATS_OK && jerr != JSStreamNotFoundErr) {
    return absl::UnavailableError(absl::StrCat("cannot delete stream ", options_.stream, ": ", NatsError(s)));
  }
  {
    absl::MutexLock lock(&stream_mu_);
    stream_found_ = false;
  }
  return StreamFound();
}

absl::StatusOr<TransactionLog::Appended> JetStreamLog::Append(std::string_view record, uint64_t expected_last,
                                                              const std::string& expected_last_attempt,
                                                              const std::string& attempt_id) {
  return AppendWaiting(record, expected_last, expected_last_attempt, attempt_id, options_.request_timeout);
}

absl::StatusOr<TransactionLog::Appended> JetStreamLog::AppendWaiting(std::string_view record, uint64_t expected_last,
                                                                     const std::string& expected_last_attempt,
                                                                     const std::string& attempt_id,
                                                                     absl::Duration wait) {
  if (absl::Status found = StreamFound(); !found.ok()) return found;
  if (record.size() > max_record_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("a record of ", record.size(), " bytes is over the ",
                                                   max_record_bytes(), " bytes the stream takes"));
  }
  MsgPtr msg = AppendMessage(subject_, options_.stream, record, expected_last, expected_last_attempt, attempt_id);
  if (msg == nullptr) return absl::InternalError("cannot build a message");
  jsPubOptions publish;
  jsPubOptions_Init(&publish);
  publish.MaxWait = Millis(wait);
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_PublishMsg(&ack, handles()->js, msg.get(), &publish, &jerr);
  if (s == NATS_OK) {
    const Appended appended{ack->Sequence, ack->Duplicate};
    jsPubAck_Destroy(ack);
    Observe(absl::OkStatus());
    return appended;
  }
  return Note(AppendError(s, jerr, expected_last, record.size()));
}

std::vector<absl::StatusOr<TransactionLog::Appended>> JetStreamLog::AppendAll(
    const std::vector<std::string>& records, uint64_t expected_last, const std::string& expected_last_attempt,
    const std::vector<std::string>& attempt_ids, absl::Time deadline) {
  const absl::Time now = absl::Now();
  const absl::Duration wait = std::min(options_.request_timeout, deadline - now);
  // One record: a request and its answer, without the asynchronous
  // machinery (a hand-off to the client's thread for the answer).
  if (records.size() == 1) {
    return {AppendWaiting(records[0], expected_last, expected_last_attempt, attempt_ids[0], wait)};
  }
  if (absl::Status found = StreamFound(); !found.ok()) {
    return std::vector<absl::StatusOr<Appended>>(records.size(), found);
  }
  auto batch = std::make_shared<Batch>();
  {
    absl::MutexLock lock(&batch->mu);
    batch->answers.assign(records.size(), absl::AbortedError("not sent: a record before it was refused"));
  }
  batch->expected_last = expected_last;
  for (const std::string& r : records) batch->bytes.push_back(r.size());
  const std::shared_ptr<Handles> handles = this->handles();
  jsPubOptions publish;
  jsPubOptions_Init(&publish);
  publish.MaxWait = Millis(wait);
  size_t sent = 0;
  for (; sent < records.size(); ++sent) {
    if (records[sent].size() > max_record_bytes()) {
      absl::MutexLock lock(&batch->mu);
      batch->answers[sent] = absl::InvalidArgumentError(absl::StrCat(
          "a record of ", records[sent].size(), " bytes is over the ", max_record_bytes(), " bytes the stream takes"));
      break;
    }
    MsgPtr msg = AppendMessage(subject_, options_.stream, records[sent], expected_last + sent,
                               sent == 0 ? expected_last_attempt : attempt_ids[sent - 1], attempt_ids[sent]);
    if (msg == nullptr) break;
    {
      absl::MutexLock lock(&handles->mu);
      handles->waiting[attempt_ids[sent]] = {batch, sent};
    }
    {
      absl::MutexLock lock(&batch->mu);
      ++batch->unanswered;
    }
    natsMsg* raw = msg.release();
    if (const natsStatus s = js_PublishMsgAsync(handles->js, &raw, &publish); s != NATS_OK) {
      natsMsg_Destroy(raw);
      absl::MutexLock lock(&handles->mu);
      handles->waiting.erase(attempt_ids[sent]);
      absl::MutexLock batch_lock(&batch->mu);
      --batch->unanswered;
      batch->answers[sent] = absl::UnavailableError(absl::StrCat("the stream did not take the record: ", NatsError(s)));
      break;
    }
  }
  std::vector<absl::StatusOr<Appended>> answers;
  {
    absl::MutexLock lock(&batch->mu);
    // nats.c answers an append it timed out itself; a moment more for that.
    const absl::Time given_up = std::min(deadline, now + wait + absl::Seconds(1));
    while (batch->unanswered > 0) {
      if (batch->answered.WaitWithDeadline(&batch->mu, given_up)) break;  // timed out
    }
    answers = batch->answers;
  }
  {
    absl::MutexLock handles_lock(&handles->mu);
    for (size_t i = 0; i < sent; ++i) {
      if (handles->waiting.erase(attempt_ids[i]) > 0) answers[i] = absl::UnavailableError("the stream did not answer");
    }
  }
  for (const auto& answer : answers) Observe(answer.status());
  return answers;
}

absl::Status JetStreamLog::AppendError(int nats_status, int jerr, uint64_t expected_last, size_t bytes) {
  const natsStatus s = static_cast<natsStatus>(nats_status);
  if (jerr == JSStreamWrongLastSequenceErr) {
    return absl::AbortedError(absl::StrCat("another writer appended after entry ", expected_last));
  }
  if (jerr == JSStreamWrongLastMsgIDErr) {
    return absl::FailedPreconditionError(
        absl::StrCat("entry ", expected_last, " of the stream is not the one this writer has"));
  }
  if (jerr == JSStreamMessageExceedsMaximumErr || s == NATS_MAX_PAYLOAD) {
    return absl::InvalidArgumentError(absl::StrCat("the stream refused a record of ", bytes,
                                                   " bytes as too large: ", NatsError(s)));
  }
  return absl::UnavailableError(absl::StrCat("the stream did not take the record: ", NatsError(s),
                                             jerr != 0 ? absl::StrCat(" (JetStream error ", static_cast<int>(jerr), ")")
                                                       : std::string()));
}

absl::StatusOr<JetStreamLog::StreamState> JetStreamLog::State() {
  if (absl::Status found = StreamFound(); !found.ok()) return found;
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetStreamInfo(&info, handles()->js, options_.stream.c_str(), nullptr, &jerr);
  if (s != NATS_OK) {
    return Note(absl::UnavailableError(absl::StrCat("cannot read stream ", options_.stream, ": ", NatsError(s))));
  }
  Observe(absl::OkStatus());
  const StreamState state{info->State.FirstSeq, info->State.LastSeq, info->State.Msgs};
  jsStreamInfo_Destroy(info);
  return state;
}

absl::StatusOr<uint64_t> JetStreamLog::LastId() {
  absl::StatusOr<StreamState> state = State();
  if (!state.ok()) return state.status();
  return state->last;
}

absl::StatusOr<uint64_t> JetStreamLog::FirstId() {
  absl::StatusOr<StreamState> state = State();
  if (!state.ok()) return state.status();
  return state->messages == 0 ? state->last + 1 : state->first;
}

absl::Status JetStreamLog::Trim(uint64_t first_kept) {
  if (absl::Status found = StreamFound(); !found.ok()) return found;
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = Millis(options_.request_timeout);
  options.Stream.Purge.Sequence = first_kept;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_PurgeStream(handles()->js, options_.stream.c_str(), &options, &jerr);
  if (s == NATS_OK) return Note(absl::OkStatus());
  if (jerr != 0) {
    return absl::FailedPreconditionError(absl::StrCat("stream ", options_.stream, " refused the trim: ", NatsError(s),
                                                      " (JetStream error ", static_cast<int>(jerr), ")"));
  }
  return Note(absl::UnavailableError(absl::StrCat("cannot trim stream ", options_.stream, ": ", NatsError(s))));
}

absl::StatusOr<std::unique_ptr<LogReader>> JetStreamLog::Read(uint64_t first) {
  if (absl::Status found = StreamFound(); !found.ok()) return found;
  jsSubOptions sub_options;
  jsSubOptions_Init(&sub_options);
  sub_options.Stream = options_.stream.c_str();
  // An ephemeral push consumer, held in memory by one server, that hands
  // out each entry once, without acknowledgements: configured as nats.c
  // configures ordered consumers. Not an ordered consumer itself: the
  // client would recreate that on a thread of its own after a gap or
  // missed heartbeats, racing the node, which already replaces a reader
  // that skips an entry or goes quiet while the log holds more
  // (Node::Follow).
  sub_options.Config.DeliverPolicy = js_DeliverByStartSequence;
  sub_options.Config.OptStartSeq = std::max<uint64_t>(first, 1);
  sub_options.Config.AckPolicy = js_AckNone;
  sub_options.Config.MaxDeliver = 1;
  sub_options.Config.FlowControl = true;  // the server waits for a reader that is behind
  sub_options.Config.Heartbeat = kReaderHeartbeat;
  sub_options.Config.MemoryStorage = true;
  sub_options.Config.Replicas = 1;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  std::shared_ptr<Handles> handles = this->handles();
  const natsStatus s = js_SubscribeSync(&sub, handles->js, subject_.c_str(), nullptr, &sub_options, &jerr);
  if (s != NATS_OK) {
    return Note(absl::UnavailableError(absl::StrCat("cannot follow stream ", options_.stream, ": ", NatsError(s))));
  }
  natsSubscription_SetPendingLimits(sub, -1, -1);
  return std::make_unique<JetStreamReader>(sub, std::move(handles));
}

}  // namespace hindsight::cluster
