// The programs' heap (tcmalloc) takes its memory from the system with the
// pages already in place, and has the pages it will take next made
// resident ahead of time, on a thread of their own.
//
// Why: a page's first write is costly on a virtual machine. The guest's
// page fault is one trip out of it (the 100,000-key import took 344,000 of
// them and ~10% of its CPU); populating a chunk in one
// madvise(MADV_POPULATE_WRITE) call spares those. But a hypervisor may
// back the guest's memory lazily too, and then the first write to each
// page after that still waits for the host: ~2 ms a megabyte on the
// machine docs/performance.md names, however the guest populated it. A
// load's heap grows by hundreds of megabytes, and that wait fell on the
// thread that carved the fresh memory into objects (tcmalloc's
// CentralFreeList::Populate), most often the planner's.
//
// So tcmalloc's chunks are handed out from regions of kRegionBytes, and a
// thread at idle priority writes one word of every page of the current
// region a lead ahead of what has been handed out (an eighth of what
// tcmalloc has taken, kMinLead to kMaxLead), so that a load's planner finds
// its fresh memory backed. Alloc never waits for that thread. What
// that thread has written and tcmalloc has not yet taken stays resident:
// at most the lead, and the unused tail of a region when a request does
// not fit in it. Requests of over half a region go to the system directly.
//
// Linked into the programs only (HINDSIGHT_MALLOC in CMakeLists.txt),
// never into the library, whose embedder picks its own allocator. On a
// kernel without MADV_POPULATE_WRITE (before 5.14) the call fails and pages
// fault in as before.
//
// For the same reason the heap keeps the memory it has instead of giving
// freed spans back to the system (tcmalloc's default, a little at a time):
// reused, they would fault in page by page again. A process's resident
// memory therefore stays at its peak until it exits; TCMALLOC_RELEASE_RATE
// in the environment (tcmalloc's own setting) still decides when it is set.
#include <gperftools/malloc_extension.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace hindsight::tools {
namespace {

constexpr size_t kRegionBytes = size_t{64} << 20;
constexpr size_t kMinLead = size_t{2} << 20;
constexpr size_t kMaxLead = size_t{32} << 20;
constexpr size_t kStepBytes = size_t{1} << 20;  // what the thread backs at a time

// Writes each page of [from, to) without changing it: tcmalloc may have
// handed some of them out already, and a thread may be writing them. A
// compare-and-swap of a word with itself is one atomic write of the value
// the word holds, so it loses no concurrent store.
void BackPages(char* from, char* to) {
  madvise(from, to - from, MADV_POPULATE_WRITE);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  for (char* p = from; p < to; p += page) {
    std::atomic_ref<uint64_t> word(*reinterpret_cast<uint64_t*>(p));
    uint64_t value = word.load(std::memory_order_relaxed);
    word.compare_exchange_strong(value, value, std::memory_order_relaxed);
  }
}

class PrefaultingAllocator final : public SysAllocator {
 public:
  explicit PrefaultingAllocator(SysAllocator* system) : system_(system) {}

  // Runs the thread that backs pages ahead of the handout; never returns.
  // It runs only on a core nothing else wants (SCHED_IDLE): where none is
  // free, the program touches its fresh pages itself, as without it.
  void BackAhead() {
    sched_param idle{};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return WorkAhead() > 0; });
      char* const from = backed_;
      backed_ += std::min(WorkAhead(), kStepBytes);
      char* const to = backed_;
      lock.unlock();
      BackPages(from, to);
      lock.lock();
    }
  }

  // Called by tcmalloc under its page heap lock, as the system allocator is.
  void* Alloc(size_t size, size_t* actual_size, size_t alignment) override {
    if (size > kRegionBytes / 2) return AllocFromSystem(size, actual_size, alignment);
    std::unique_lock lock(mu_);
    char* chunk = Aligned(handout_, alignment);
    if (region_end_ == nullptr || chunk + size > region_end_) {
      size_t region_size = kRegionBytes;
      char* region = static_cast<char*>(system_->Alloc(kRegionBytes, &region_size, std::max(alignment, kRegionAlign)));
      if (region == nullptr) {  // (a limit on address space): the request alone may still fit
        lock.unlock();
        return AllocFromSystem(size, actual_size, alignment);
      }
      handout_ = backed_ = region;
      region_end_ = region + region_size;
      chunk = Aligned(handout_, alignment);
    }
    char* const end = chunk + size;
    char* const unbacked = std::clamp(backed_, chunk, end);
    handout_ = end;
    handed_out_ += size;
    backed_ = std::max(backed_, end);
    lock.unlock();
    wake_.notify_one();
    if (unbacked < end) madvise(unbacked, end - unbacked, MADV_POPULATE_WRITE);
    if (actual_size != nullptr) *actual_size = size;
    return chunk;
  }

 private:
  static constexpr size_t kRegionAlign = size_t{2} << 20;  // a region starts on a 2 MiB boundary

  static char* Aligned(char* p, size_t alignment) {
    const auto address = reinterpret_cast<uintptr_t>(p);
    return p + (alignment - address % alignment) % alignment;
  }

  void* AllocFromSystem(size_t size, size_t* actual_size, size_t alignment) {
    void* chunk = system_->Alloc(size, actual_size, alignment);
    if (chunk != nullptr) madvise(chunk, actual_size != nullptr ? *actual_size : size, MADV_POPULATE_WRITE);
    return chunk;
  }

  // Bytes the thread should back next (REQUIRES: mu_).
  size_t WorkAhead() const {
    if (region_end_ == nullptr) return 0;
    const size_t lead = std::clamp(handed_out_ / 8, kMinLead, kMaxLead);
    char* const target = std::min(region_end_, handout_ + lead);
    return target > backed_ ? static_cast<size_t>(target - backed_) : 0;
  }

  SysAllocator* const system_;
  // A plain futex: Alloc runs under tcmalloc's page heap lock, so nothing
  // it calls may allocate from the heap, and std::mutex never does.
  std::mutex mu_;
  std::condition_variable wake_;  // the thread: work ahead
  char* handout_ = nullptr;       // the current region's next free byte
  char* backed_ = nullptr;        // pages of [handout_, backed_) are backed, or the thread backs them now
  char* region_end_ = nullptr;
  size_t handed_out_ = 0;         // bytes given to tcmalloc from regions
};

// Installed before main, while the program has one thread. (A fork() child
// keeps only the thread that forked; the programs fork only through
// popen(), whose child runs nothing of ours before exec.)
const bool kInstalled = [] {
  MallocExtension* heap = MallocExtension::instance();
  // Never destroyed: tcmalloc and the thread use it until the process ends.
  auto* allocator = new PrefaultingAllocator(heap->GetSystemAllocator());
  heap->SetSystemAllocator(allocator);
  if (std::getenv("TCMALLOC_RELEASE_RATE") == nullptr) heap->SetMemoryReleaseRate(0);
  std::thread([allocator] { allocator->BackAhead(); }).detach();
  return true;
}();

}  // namespace
}  // namespace hindsight::tools
