// powercut_fs: a FUSE file system for power-loss tests. It passes every
// operation through to a backing directory and keeps, beside it, only what
// POSIX promises survives a power loss:
//   - a file's contents as of its last fsync/fdatasync (empty if never);
//   - a directory's entries as of its last fsync (the names it had then,
//     each naming the file or directory it named then).
// At the N-th state-changing operation (create, mkdir, mknod, write,
// truncate, unlink, rmdir, rename, link, fsync, fsyncdir) the power goes
// out: that operation and every later one fail with EIO, and the backing
// directory is rewritten to hold exactly the durable state, as a restarted
// machine would find it. Mounting it again continues from there.
//
// usage: powercut_fs BACKING MOUNTPOINT STATE_DIR [--cut-at N]
// STATE_DIR keeps the durable copies of files; on unmount the file
// STATE_DIR/ops holds the number of state-changing operations seen, and
// after a cut STATE_DIR/cut exists. Runs in the foreground, single-threaded.
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <fcntl.h>
#include <fuse.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

namespace fs = std::filesystem;

// A file or directory, named by an id of ours: backing inode numbers are
// reused after a removal, ids never are.
struct Node {
  bool is_dir = false;
  bool has_durable_content = false;     // files: store/<id> holds it
  std::map<std::string, uint64_t> durable_entries;  // directories
};

struct State {
  std::string backing;
  std::string state_dir;
  uint64_t cut_at = 0;  // 0: never
  uint64_t ops = 0;
  bool dead = false;
  std::FILE* trace = nullptr;  // $POWERCUT_TRACE: each counted operation, a line
  uint64_t next_id = 1;
  std::unordered_map<ino_t, uint64_t> id_of_ino;
  std::unordered_map<uint64_t, Node> nodes;
};

State* g = nullptr;

std::string Backing(const char* path) { return g->backing + path; }
std::string StorePath(uint64_t id) { return g->state_dir + "/store/" + std::to_string(id); }

uint64_t NewNode(ino_t ino, bool is_dir) {
  const uint64_t id = g->next_id++;
  g->id_of_ino[ino] = id;
  g->nodes[id].is_dir = is_dir;
  return id;
}

// The id of what `backing_path` names now (an id is made for anything the
// file system has not seen created, which only the root can be).
uint64_t IdOf(const std::string& backing_path, struct stat* st_out = nullptr) {
  struct stat st;
  if (lstat(backing_path.c_str(), &st) != 0) return 0;
  if (st_out != nullptr) *st_out = st;
  auto it = g->id_of_ino.find(st.st_ino);
  return it != g->id_of_ino.end() ? it->second : NewNode(st.st_ino, S_ISDIR(st.st_mode));
}

bool CopyFile(int from_fd, const std::string& to) {
  const std::string tmp = to + ".tmp";
  const int out = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return false;
  std::vector<char> buf(1 << 16);
  off_t offset = 0;
  for (;;) {
    const ssize_t n = pread(from_fd, buf.data(), buf.size(), offset);
    if (n < 0) {
      close(out);
      return false;
    }
    if (n == 0) break;
    if (write(out, buf.data(), n) != n) {
      close(out);
      return false;
    }
    offset += n;
  }
  close(out);
  return rename(tmp.c_str(), to.c_str()) == 0;
}

// `fd` may be open for writing only: the copy reads through a new descriptor.
void MakeFileDurable(int fd, uint64_t id) {
  const int reader = open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_RDONLY | O_CLOEXEC);
  if (reader < 0) return;
  if (CopyFile(reader, StorePath(id))) g->nodes[id].has_durable_content = true;
  close(reader);
}

void MakeDirectoryDurable(const std::string& backing_dir, uint64_t id) {
  std::map<std::string, uint64_t> entries;
  DIR* d = opendir(backing_dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    entries[name] = IdOf(backing_dir + "/" + name);
  }
  closedir(d);
  g->nodes[id].durable_entries = std::move(entries);
}

// Everything present at mount time is durable: it is what the machine found.
void SnapshotTree(const std::string& backing_dir) {
  const uint64_t id = IdOf(backing_dir);
  MakeDirectoryDurable(backing_dir, id);
  for (const auto& [name, child] : std::map(g->nodes[id].durable_entries)) {
    const std::string path = backing_dir + "/" + name;
    if (g->nodes[child].is_dir) {
      SnapshotTree(path);
    } else {
      const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        MakeFileDurable(fd, child);
        close(fd);
      }
    }
  }
}

// Writes the durable tree of directory `id` into `dest`.
void Materialize(uint64_t id, const std::string& dest, std::set<uint64_t>* seen_dirs,
                 std::unordered_map<uint64_t, std::string>* file_paths) {
  mkdir(dest.c_str(), 0755);
  if (!seen_dirs->insert(id).second) return;
  for (const auto& [name, child] : g->nodes[id].durable_entries) {
    const std::string path = dest + "/" + name;
    const Node& node = g->nodes[child];
    if (node.is_dir) {
      Materialize(child, path, seen_dirs, file_paths);
    } else if (auto it = file_paths->find(child); it != file_paths->end()) {
      link(it->second.c_str(), path.c_str());
    } else {
      if (node.has_durable_content) {
        fs::copy_file(StorePath(child), path);
      } else {
        close(open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
      }
      (*file_paths)[child] = path;
    }
  }
}

void CutPower() {
  g->dead = true;
  const uint64_t root = IdOf(g->backing);
  const std::string rebuilt = g->state_dir + "/rebuilt";
  fs::remove_all(rebuilt);
  std::set<uint64_t> seen_dirs;
  std::unordered_map<uint64_t, std::string> file_paths;
  Materialize(root, rebuilt, &seen_dirs, &file_paths);
  for (const fs::directory_entry& e : fs::directory_iterator(g->backing)) fs::remove_all(e.path());
  for (const fs::directory_entry& e : fs::directory_iterator(rebuilt)) {
    fs::rename(e.path(), fs::path(g->backing) / e.path().filename());
  }
  fs::remove_all(rebuilt);
  std::ofstream(g->state_dir + "/cut") << g->ops << "\n";
}

// Counts a state-changing operation; false when the power is (now) out.
bool Powered(const char* op, const char* path) {
  if (g->dead) return false;
  ++g->ops;
  if (g->trace != nullptr) std::fprintf(g->trace, "%llu %s %s\n", static_cast<unsigned long long>(g->ops), op, path != nullptr ? path : "-");
  if (g->cut_at != 0 && g->ops >= g->cut_at) {
    CutPower();
    return false;
  }
  return true;
}

int Errno(int result) { return result < 0 ? -errno : 0; }

void* Init(fuse_conn_info*, fuse_config* cfg) {
  cfg->use_ino = 1;
  cfg->nullpath_ok = 1;
  cfg->hard_remove = 1;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  return nullptr;
}

void Destroy(void*) {
  if (!g->dead) std::ofstream(g->state_dir + "/ops") << g->ops << "\n";
}

int GetAttr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (g->dead) return -EIO;
  return Errno(fi != nullptr ? fstat(fi->fh, st) : lstat(Backing(path).c_str(), st));
}

int Access(const char* path, int mask) {
  if (g->dead) return -EIO;
  return Errno(access(Backing(path).c_str(), mask));
}

int OpenDir(const char* path, fuse_file_info* fi) {
  if (g->dead) return -EIO;
  DIR* d = opendir(Backing(path).c_str());
  if (d == nullptr) return -errno;
  fi->fh = reinterpret_cast<uint64_t>(d);
  return 0;
}

int ReadDir(const char*, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info* fi, fuse_readdir_flags) {
  if (g->dead) return -EIO;
  DIR* d = reinterpret_cast<DIR*>(fi->fh);
  rewinddir(d);
  while (dirent* e = readdir(d)) {
    struct stat st {};
    st.st_ino = e->d_ino;
    st.st_mode = DTTOIF(e->d_type);
    if (fill(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  return 0;
}

int ReleaseDir(const char*, fuse_file_info* fi) {
  closedir(reinterpret_cast<DIR*>(fi->fh));
  return 0;
}

int FsyncDir(const char* path, int, fuse_file_info* fi) {
  if (!Powered(__func__, path)) return -EIO;
  // The directory's path in the backing tree, from its open descriptor.
  const fs::path dir = fs::read_symlink("/proc/self/fd/" + std::to_string(dirfd(reinterpret_cast<DIR*>(fi->fh))));
  MakeDirectoryDurable(dir, IdOf(dir));
  return 0;
}

int MkDir(const char* path, mode_t mode) {
  if (!Powered(__func__, path)) return -EIO;
  const std::string p = Backing(path);
  if (mkdir(p.c_str(), mode) != 0) return -errno;
  struct stat st;
  lstat(p.c_str(), &st);
  NewNode(st.st_ino, true);
  return 0;
}

int Unlink(const char* path) {
  if (!Powered(__func__, path)) return -EIO;
  const std::string p = Backing(path);
  struct stat st;
  if (lstat(p.c_str(), &st) != 0) return -errno;
  if (unlink(p.c_str()) != 0) return -errno;
  if (st.st_nlink <= 1) g->id_of_ino.erase(st.st_ino);
  return 0;
}

int RmDir(const char* path) {
  if (!Powered(__func__, path)) return -EIO;
  const std::string p = Backing(path);
  struct stat st;
  if (lstat(p.c_str(), &st) != 0) return -errno;
  if (rmdir(p.c_str()) != 0) return -errno;
  g->id_of_ino.erase(st.st_ino);
  return 0;
}

int Rename(const char* from, const char* to, unsigned int flags) {
  if (!Powered(__func__, from)) return -EIO;
  if (flags != 0) return -EINVAL;
  const std::string f = Backing(from), t = Backing(to);
  struct stat replaced;
  const bool replaces = lstat(t.c_str(), &replaced) == 0;
  IdOf(f);  // known before it moves
  if (rename(f.c_str(), t.c_str()) != 0) return -errno;
  if (replaces && (S_ISDIR(replaced.st_mode) || replaced.st_nlink <= 1)) g->id_of_ino.erase(replaced.st_ino);
  return 0;
}

int Link(const char* from, const char* to) {
  if (!Powered(__func__, from)) return -EIO;
  IdOf(Backing(from));
  return Errno(link(Backing(from).c_str(), Backing(to).c_str()));
}

int Chmod(const char* path, mode_t mode, fuse_file_info* fi) {
  if (g->dead) return -EIO;
  return Errno(fi != nullptr ? fchmod(fi->fh, mode) : chmod(Backing(path).c_str(), mode));
}

int Truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (!Powered(__func__, path)) return -EIO;
  return Errno(fi != nullptr ? ftruncate(fi->fh, size) : truncate(Backing(path).c_str(), size));
}

int Utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
  if (g->dead) return -EIO;
  return Errno(fi != nullptr ? futimens(fi->fh, tv) : utimensat(AT_FDCWD, Backing(path).c_str(), tv, AT_SYMLINK_NOFOLLOW));
}

int Create(const char* path, mode_t mode, fuse_file_info* fi) {
  if (!Powered(__func__, path)) return -EIO;
  const std::string p = Backing(path);
  struct stat before;
  const bool existed = lstat(p.c_str(), &before) == 0;
  const int fd = open(p.c_str(), fi->flags, mode);
  if (fd < 0) return -errno;
  if (!existed) {
    struct stat st;
    fstat(fd, &st);
    NewNode(st.st_ino, false);
  }
  fi->fh = fd;
  return 0;
}

int Open(const char* path, fuse_file_info* fi) {
  if (g->dead) return -EIO;
  if ((fi->flags & O_TRUNC) != 0 && !Powered(__func__, path)) return -EIO;
  const int fd = open(Backing(path).c_str(), fi->flags);
  if (fd < 0) return -errno;
  fi->fh = fd;
  return 0;
}

int Read(const char*, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  if (g->dead) return -EIO;
  const ssize_t n = pread(fi->fh, buf, size, offset);
  return n < 0 ? -errno : static_cast<int>(n);
}

int Write(const char* path, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  if (!Powered(__func__, path)) return -EIO;
  const ssize_t n = pwrite(fi->fh, buf, size, offset);
  return n < 0 ? -errno : static_cast<int>(n);
}

int StatFs(const char* path, struct statvfs* st) {
  if (g->dead) return -EIO;
  return Errno(statvfs(Backing(path).c_str(), st));
}

int Release(const char*, fuse_file_info* fi) {
  close(fi->fh);
  return 0;
}

int Fsync(const char* path, int, fuse_file_info* fi) {
  if (!Powered(__func__, path)) return -EIO;
  struct stat st;
  if (fstat(fi->fh, &st) != 0) return -errno;
  auto it = g->id_of_ino.find(st.st_ino);
  if (it != g->id_of_ino.end()) MakeFileDurable(fi->fh, it->second);
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  if (argc != 4 && !(argc == 6 && std::strcmp(argv[4], "--cut-at") == 0)) {
    std::fprintf(stderr, "usage: powercut_fs BACKING MOUNTPOINT STATE_DIR [--cut-at N]\n");
    return 2;
  }
  State state;
  g = &state;
  state.backing = fs::canonical(argv[1]).string();
  state.state_dir = fs::absolute(argv[3]).string();
  if (const char* trace = std::getenv("POWERCUT_TRACE")) {
    state.trace = std::fopen(trace, "w");
    if (state.trace != nullptr) setvbuf(state.trace, nullptr, _IOLBF, 0);
  }
  if (argc == 6) state.cut_at = std::strtoull(argv[5], nullptr, 10);
  fs::remove_all(state.state_dir);
  fs::create_directories(state.state_dir + "/store");
  SnapshotTree(state.backing);

  fuse_operations ops{};
  ops.init = Init;
  ops.destroy = Destroy;
  ops.getattr = GetAttr;
  ops.access = Access;
  ops.opendir = OpenDir;
  ops.readdir = ReadDir;
  ops.releasedir = ReleaseDir;
  ops.fsyncdir = FsyncDir;
  ops.mkdir = MkDir;
  ops.unlink = Unlink;
  ops.rmdir = RmDir;
  ops.rename = Rename;
  ops.link = Link;
  ops.chmod = Chmod;
  ops.truncate = Truncate;
  ops.utimens = Utimens;
  ops.create = Create;
  ops.open = Open;
  ops.read = Read;
  ops.write = Write;
  ops.statfs = StatFs;
  ops.release = Release;
  ops.fsync = Fsync;
  std::string mountpoint = argv[2];
  char prog[] = "powercut_fs";
  char fg[] = "-f";
  char single[] = "-s";
  char* fuse_argv[] = {prog, fg, single, mountpoint.data(), nullptr};
  return fuse_main(4, fuse_argv, &ops, nullptr);
}
