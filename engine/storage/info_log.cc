#include "storage/info_log.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"

namespace hindsight::internal {
namespace {

class InfoLog final : public rocksdb::Logger {
 public:
  // Takes `fd` (-1: drop every line).
  explicit InfoLog(int fd) : fd_(fd) {}
  ~InfoLog() override {
    if (fd_ >= 0) close(fd_);
  }
  InfoLog(const InfoLog&) = delete;
  InfoLog& operator=(const InfoLog&) = delete;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;

 private:
  const int fd_;
};

// "2026/12/05-17:20:01.123456 12345 ", RocksDB's prefix with the thread's
// id as the kernel numbers it (what top -H and perf show).
size_t PutPrefix(char* out, size_t size) {
  timeval now;
  gettimeofday(&now, nullptr);
  tm t;
  gmtime_r(&now.tv_sec, &t);
  const int n = snprintf(out, size, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %ld ", t.tm_year + 1900, t.tm_mon + 1,
                         t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<long>(now.tv_usec),
                         static_cast<long>(syscall(SYS_gettid)));
  return n < 0 ? 0 : std::min(static_cast<size_t>(n), size - 1);
}

void InfoLog::Logv(const char* format, va_list ap) {
  if (fd_ < 0) return;
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
  // One write a line, so that lines from several threads never interleave;
  // a line the disk refuses is dropped.
  [[maybe_unused]] const ssize_t written = write(fd_, line, size);
}

}  // namespace

std::shared_ptr<rocksdb::Logger> StartInfoLog(const std::string& dir) {
  const std::string path = dir + "/LOG";
  if (access(path.c_str(), F_OK) == 0) {
    timeval now;
    gettimeofday(&now, nullptr);
    const long long micros = static_cast<long long>(now.tv_sec) * 1000000 + now.tv_usec;
    rename(path.c_str(), absl::StrCat(path, ".old.", micros).c_str());
  }
  return std::make_shared<InfoLog>(open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
}

std::shared_ptr<rocksdb::Logger> DiscardingInfoLog() { return std::make_shared<InfoLog>(-1); }

}  // namespace hindsight::internal
