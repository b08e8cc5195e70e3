// The programs' heap (tcmalloc) takes its memory from the system with the
// pages already in place: each chunk tcmalloc asks the system for is
// populated in one madvise(MADV_POPULATE_WRITE) call, instead of one page
// fault per 4 KiB page when it is first touched. A load's heap grows by
// hundreds of megabytes, and on a virtual machine each fault leaves the
// guest: the 100,000-key import took 344,000 faults and about 10% of its
// CPU in them. Linked into the programs only (HINDSIGHT_MALLOC in
// CMakeLists.txt), never into the library, whose embedder picks its own
// allocator. On a kernel without MADV_POPULATE_WRITE (before 5.14) the
// call fails and pages fault in as before.
//
// For the same reason the heap keeps the memory it has instead of giving
// freed spans back to the system (tcmalloc's default, a little at a time):
// reused, they would fault in page by page again. A process's resident
// memory therefore stays at its peak until it exits; TCMALLOC_RELEASE_RATE
// in the environment (tcmalloc's own setting) still decides when it is set.
#include <gperftools/malloc_extension.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>

namespace hindsight::tools {
namespace {

class PrefaultingAllocator final : public SysAllocator {
 public:
  explicit PrefaultingAllocator(SysAllocator* system) : system_(system) {}

  // Called by tcmalloc under its page heap lock, as the system allocator is.
  void* Alloc(size_t size, size_t* actual_size, size_t alignment) override {
    void* chunk = system_->Alloc(size, actual_size, alignment);
    if (chunk != nullptr) madvise(chunk, actual_size != nullptr ? *actual_size : size, MADV_POPULATE_WRITE);
    return chunk;
  }

 private:
  SysAllocator* const system_;
};

// Installed before main, while the program has one thread.
const bool kInstalled = [] {
  MallocExtension* heap = MallocExtension::instance();
  static PrefaultingAllocator allocator(heap->GetSystemAllocator());
  heap->SetSystemAllocator(&allocator);
  if (std::getenv("TCMALLOC_RELEASE_RATE") == nullptr) heap->SetMemoryReleaseRate(0);
  return true;
}();

}  // namespace
}  // namespace hindsight::tools
