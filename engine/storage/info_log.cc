#include "storage/info_log.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace hindsight::internal {
namespace {

int64_t NowMicros() {
  timeval now;
  gettimeofday(&now, nullptr);
  return static_cast<int64_t>(now.tv_sec) * 1000000 + now.tv_usec;
}

// Keeps the LOG at `path` as `path`.old.<microseconds>, if there is one,
// and opens a new one: its descriptor, or -1.
int StartNewLog(const std::string& path) {
  if (access(path.c_str(), F_OK) == 0) rename(path.c_str(), absl::StrCat(path, ".old.", NowMicros()).c_str());
  return open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

class InfoLog final : public rocksdb::Logger {
 public:
  // Writes to `path` through `fd` (-1: drops every line), starting a new
  // LOG past `roll_bytes`: RocksDB dumps its statistics every ten minutes
  // (~0.3 MB for a large database), which would grow one LOG by gigabytes
  // over a server's years.
  InfoLog(std::string path, int fd, size_t roll_bytes) : path_(std::move(path)), roll_bytes_(roll_bytes), fd_(fd) {}
  ~InfoLog() override {
    if (fd_ >= 0) close(fd_);
  }
  InfoLog(const InfoLog&) = delete;
  InfoLog& operator=(const InfoLog&) = delete;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;

 private:
  // Writes `line` whole (one write, so that lines never interleave), or
  // drops it if the disk refuses; starts a new LOG past roll_bytes_.
  void Write(std::string_view line);

  const std::string path_;
  const size_t roll_bytes_;
  absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// "2026/12/05-17:20:01.123456 12345 ", RocksDB's prefix with the thread's
// id as the kernel numbers it (what top -H and perf show).
size_t PutPrefix(char* out, size_t size) {
  const int64_t micros = NowMicros();
  const time_t secs = static_cast<time_t>(micros / 1000000);
  tm t;
  gmtime_r(&secs, &t);
  const int n = snprintf(out, size, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %ld ", t.tm_year + 1900, t.tm_mon + 1,
                         t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<long>(micros % 1000000),
                         static_cast<long>(syscall(SYS_gettid)));
  return n < 0 ? 0 : std::min(static_cast<size_t>(n), size - 1);
}

void InfoLog::Logv(const char* format, va_list ap) {
  char buf[1024];
  const size_t prefix = PutPrefix(buf, sizeof(buf));
  va_list copy;
  va_copy(copy, ap);
  const int body = vsnprintf(buf + prefix, sizeof(buf) - prefix, format, copy);
  va_end(copy);
  if (body < 0) return;
  std::string long_line;
  char* line = buf;
  size_t size = prefix + static_cast<size_t>(body);
  if (size + 1 >= sizeof(buf)) {  // too long for the buffer: format it again, in one of its size
    long_line.resize(size + 1);
    std::copy(buf, buf + prefix, long_line.data());
    vsnprintf(long_line.data() + prefix, long_line.size() - prefix, format, ap);
    line = long_line.data();
  }
  if (size == prefix || line[size - 1] != '\n') line[size++] = '\n';
  Write(std::string_view(line, size));
}

void InfoLog::Write(std::string_view line) {
  absl::MutexLock lock(&mu_);
  if (fd_ < 0) return;
  const ssize_t written = write(fd_, line.data(), line.size());
  if (written > 0) bytes_ += static_cast<size_t>(written);
  if (bytes_ < roll_bytes_) return;
  if (const int fd = StartNewLog(path_); fd >= 0) {
    close(fd_);
    fd_ = fd;
    bytes_ = 0;
  }
}

}  // namespace

std::shared_ptr<rocksdb::Logger> StartInfoLog(const std::string& dir, size_t roll_bytes) {
  const std::string path = dir + "/LOG";
  return std::make_shared<InfoLog>(path, StartNewLog(path), roll_bytes);
}

std::shared_ptr<rocksdb::Logger> DiscardingInfoLog() { return std::make_shared<InfoLog>("", -1, 0); }

}  // namespace hindsight::internal
