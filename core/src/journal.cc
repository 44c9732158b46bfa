// Journal files: appended under one lock, synced by whichever appender gets there first (its
// fdatasync covers every entry written before it), rotated at kFileBytes.
#include "sondhan/core/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include <zlib.h>

namespace sondhan::core {
namespace fs = std::filesystem;

namespace {

constexpr size_t kHeaderBytes = 16;            // length, CRC, sequence number
constexpr uint64_t kFileBytes = 64ull << 20;   // a new file after this much
constexpr uint32_t kMaxPayloadBytes = 1u << 30;

void put_le(std::string* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t get_le(const char* p, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}

uint32_t checksum(uint64_t sequence, std::string_view payload) {
  std::string seq;
  put_le(&seq, sequence, 8);
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(seq.data()), static_cast<uInt>(seq.size()));
  crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()));
  return static_cast<uint32_t>(crc);
}

std::string file_name(uint64_t first) {
  char name[40];
  std::snprintf(name, sizeof name, "%020llu.journal", static_cast<unsigned long long>(first));
  return name;
}

// The whole entries at the start of `data`: calls fn(sequence, payload) for each and returns
// the offset after the last one (a torn or corrupt tail is where reading stops).
template <typename Fn>
size_t scan(std::string_view data, Fn&& fn) {
  size_t at = 0;
  while (data.size() - at >= kHeaderBytes) {
    const auto length = static_cast<uint32_t>(get_le(data.data() + at, 4));
    const auto crc = static_cast<uint32_t>(get_le(data.data() + at + 4, 4));
    const uint64_t sequence = get_le(data.data() + at + 8, 8);
    if (length > kMaxPayloadBytes || data.size() - at - kHeaderBytes < length) break;
    const std::string_view payload = data.substr(at + kHeaderBytes, length);
    if (checksum(sequence, payload) != crc) break;
    if (!fn(sequence, payload)) break;
    at += kHeaderBytes + length;
  }
  return at;
}

bool read_file(const fs::path& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buffer[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out->append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return n == 0;
}

// A file descriptor, closed when the last holder lets go (a sync may outlive a rotation).
struct File {
  explicit File(int descriptor) : fd(descriptor) {}
  ~File() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

}  // namespace

struct Journal::Impl {
  fs::path dir;
  std::map<uint64_t, fs::path> files;  // by first sequence number
  std::mutex mu;                       // appends, rotation, forgetting
  std::shared_ptr<File> current;       // the file appended to, or null until the next append
  uint64_t current_bytes = 0;
  uint64_t next = 1;                   // the next entry's sequence number
  std::mutex sync_mu;
  uint64_t synced = 0;                 // every entry up to this one is on disk

  Status open_current() {
    const fs::path path = dir / file_name(next);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return Status::internal("cannot create " + path.string() + ": " + std::strerror(errno));
    current = std::make_shared<File>(fd);
    current_bytes = 0;
    files[next] = path;
    // The new file's name must survive a crash too.
    const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
      ::fsync(d);
      ::close(d);
    }
    return Status::ok();
  }
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;

Result<std::unique_ptr<Journal>> Journal::open(const std::string& dir, uint64_t after) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  std::error_code ec;
  fs::create_directories(impl->dir, ec);
  if (ec) return Status::internal("cannot create journal directory " + dir + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(impl->dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 28 && name.substr(20) == ".journal") {
      impl->files[std::stoull(name.substr(0, 20))] = entry.path();
    }
  }
  if (!impl->files.empty()) {
    // The last file ends at its last whole entry: cut a torn tail, and carry on after it.
    const auto& [first, path] = *impl->files.rbegin();
    std::string data;
    if (!read_file(path, &data)) return Status::internal("cannot read " + path.string());
    uint64_t last = first - 1;
    const size_t end = scan(data, [&](uint64_t sequence, std::string_view) {
      last = sequence;
      return true;
    });
    if (end < data.size() && ::truncate(path.c_str(), static_cast<off_t>(end)) != 0) {
      return Status::internal("cannot cut the torn end of " + path.string());
    }
    impl->next = last + 1;
    impl->synced = last;
  }
  if (impl->next <= after) {
    impl->next = after + 1;
    impl->synced = after;
  }
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

Result<uint64_t> Journal::append(const std::vector<std::string>& payloads) {
  Impl& j = *impl_;
  uint64_t last = 0;
  std::shared_ptr<File> file;
  {
    std::lock_guard lock(j.mu);
    if (j.current && j.current_bytes >= kFileBytes) {
      if (::fdatasync(j.current->fd) != 0) return Status::internal(std::string("journal sync: ") + std::strerror(errno));
      j.current.reset();
    }
    if (!j.current) {
      if (Status s = j.open_current(); !s.is_ok()) return s;
    }
    if (payloads.empty()) return j.next - 1;
    std::string bytes;
    uint64_t sequence = j.next - 1;
    for (const std::string& payload : payloads) {
      if (payload.size() > kMaxPayloadBytes) return Status::invalid_argument("journal entry too large");
      ++sequence;
      put_le(&bytes, payload.size(), 4);
      put_le(&bytes, checksum(sequence, payload), 4);
      put_le(&bytes, sequence, 8);
      bytes += payload;
    }
    last = sequence;
    for (size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(j.current->fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // Cut what was written, so that no half entry is followed by whole ones.
        if (::ftruncate(j.current->fd, static_cast<off_t>(j.current_bytes)) != 0) j.current.reset();
        return Status::internal(std::string("journal write: ") + std::strerror(errno));
      }
      done += static_cast<size_t>(n);
    }
    j.current_bytes += bytes.size();
    j.next = last + 1;
    file = j.current;
  }
  std::lock_guard sync(j.sync_mu);
  if (j.synced >= last) return last;  // another appender's sync covered these
  uint64_t target;
  {
    std::lock_guard lock(j.mu);
    target = j.next - 1;
    if (j.current) file = j.current;
  }
  if (::fdatasync(file->fd) != 0) return Status::internal(std::string("journal sync: ") + std::strerror(errno));
  j.synced = target;
  return last;
}

Status Journal::replay(uint64_t after, const std::function<Status(uint64_t, std::string_view)>& fn) {
  Status failed;
  for (auto it = impl_->files.begin(); it != impl_->files.end(); ++it) {
    auto following = std::next(it);
    if (following != impl_->files.end() && following->first <= after + 1) continue;  // all replayed before
    std::string data;
    if (!read_file(it->second, &data)) return Status::internal("cannot read " + it->second.string());
    scan(data, [&](uint64_t sequence, std::string_view payload) {
      if (sequence <= after) return true;
      failed = fn(sequence, payload);
      return failed.is_ok();
    });
    if (!failed.is_ok()) return failed;
  }
  return Status::ok();
}

Status Journal::forget(uint64_t upto) {
  Impl& j = *impl_;
  std::lock_guard lock(j.mu);
  std::error_code ec;
  if (upto >= j.next - 1) {
    // Everything is in the index: start a new file at the next append.
    j.current.reset();
    for (const auto& [first, path] : j.files) fs::remove(path, ec);
    j.files.clear();
    return ec ? Status::internal("cannot remove journal files: " + ec.message()) : Status::ok();
  }
  for (auto it = j.files.begin(); it != j.files.end();) {
    auto following = std::next(it);
    if (following == j.files.end() || following->first > upto + 1) break;
    fs::remove(it->second, ec);
    it = j.files.erase(it);
  }
  return ec ? Status::internal("cannot remove a journal file: " + ec.message()) : Status::ok();
}

uint64_t Journal::last() const {
  std::lock_guard lock(impl_->mu);
  return impl_->next - 1;
}

uint64_t Journal::size_bytes() const {
  std::lock_guard lock(impl_->mu);
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& [first, path] : impl_->files) total += fs::file_size(path, ec);
  return total;
}

}  // namespace sondhan::core
