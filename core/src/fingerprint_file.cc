#include "fingerprint_file.h"

#include <cstring>
#include <filesystem>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sondhan/core/schema.h"
#include "sondhan/core/database_layout.h"
#include "index_layout.h"

namespace sondhan::core {
namespace {

namespace fs = std::filesystem;

// The file: this header, then each band's postings (uint64), then the sketches by docid, from 0
// to the last (kSketchBytes each). In the machine's byte order: the magic number tells another
// order apart.
struct Header {
  uint64_t magic;
  uint32_t bands;
  uint32_t last_docid;
  uint64_t documents;     // the shard's article count when written
  uint64_t replaced;      // its count of commits that replaced articles in place (kReplacedKey)
  uint64_t postings;      // per band
  uint64_t sketch_bytes;  // kSketchBytes
  char uuid[40];          // the shard's, NUL-padded
};
static_assert(sizeof(Header) % sizeof(uint64_t) == 0);
constexpr uint64_t kMagic = 0x3154525046444E53ULL;  // "SNDFPRT1" read as a little-endian number

size_t file_size(const Header& h) {
  return sizeof(Header) + sizeof(uint64_t) * kBands * h.postings + h.sketch_bytes * (size_t{h.last_docid} + 1);
}

void put_u32(unsigned char* at, uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<unsigned char>(v >> (8 * i));
}

uint64_t replaced_count(const Xapian::Database& db) {
  return std::strtoull(db.get_metadata(kReplacedKey).c_str(), nullptr, 10);
}

uint32_t get_u32(const unsigned char* at) {
  return uint32_t{at[0]} | uint32_t{at[1]} << 8 | uint32_t{at[2]} << 16 | uint32_t{at[3]} << 24;
}

// Sorts postings by value (the high 32 bits), keeping docid order within a value: two stable
// passes of 16 bits each, linear where std::sort is not (16 arrays a million long per shard).
// Through `out`, a scratch array as long. (Sorting in place, each posting swapped straight into
// its bucket, took longer: each swap waits for the last one's cache miss.)
void sort_by_value(SortedBand& postings, SortedBand& out) {
  out.resize(postings.size());
  std::vector<size_t> start(size_t{1} << 16);
  for (const int shift : {32, 48}) {
    std::fill(start.begin(), start.end(), 0);
    for (const uint64_t p : postings) ++start[(p >> shift) & 0xFFFF];
    size_t at = 0;
    for (size_t& s : start) at += std::exchange(s, at);
    for (const uint64_t p : postings) out[start[(p >> shift) & 0xFFFF]++] = p;
    postings.swap(out);
  }
}

}  // namespace

void for_each_band(const ParallelFor& parallel, const std::function<void(size_t)>& fn) {
  if (!parallel) {
    for (size_t band = 0; band < kBands; ++band) fn(band);
  } else if (!parallel(kBands, fn).is_ok()) {
    throw std::bad_alloc();
  }
}

std::array<SortedBand, kBands> read_bands(const Xapian::Database& db, const ParallelFor& parallel,
                                          const std::function<void(Xapian::docid, std::string_view)>& each) {
  std::array<SortedBand, kBands> bands;
  const size_t n = db.get_doccount();
  for (auto& band : bands) band.reserve(n);
  Fingerprint fp;
  for (auto v = db.valuestream_begin(kPrintSlot); v != db.valuestream_end(kPrintSlot); ++v) {
    const std::string value = *v;
    if (each) each(v.get_docid(), value);
    if (!decode_fingerprint(value, &fp, nullptr) || fp.ignored()) continue;
    for (size_t band = 0; band < kBands; ++band) {
      bands[band].push_back(uint64_t{band_value(fp, band)} << 32 | v.get_docid());
    }
  }
  // The bands sorted on the pool's threads, each with a scratch array of its own: in huge pages
  // (SortedBand), a new one is four page faults, where in 4 KiB pages the faults and zeroing of
  // one for each band were a fifth of the time to add 1,000 articles to a million.
  for_each_band(parallel, [&bands](size_t band) {
    SortedBand scratch;
    sort_by_value(bands[band], scratch);
  });
  return bands;
}

Status FingerprintFile::write(const std::string& dir, const Xapian::Database& db, const ParallelFor& parallel) {
  const Xapian::docid last = db.get_lastdocid();
  std::vector<unsigned char> sketches((size_t{last} + 1) * kSketchBytes);
  Fingerprint fp;
  const auto bands = read_bands(db, parallel, [&](Xapian::docid did, std::string_view value) {
    if (did > last || !decode_fingerprint(value, &fp, nullptr) || fp.ignored()) return;
    unsigned char* at = &sketches[size_t{did} * kSketchBytes];
    put_u32(at, fp.shingles);
    for (size_t i = 0; i < kMinHashes; i += 2) {
      at[4 + i / 2] = static_cast<unsigned char>((fp.mins[i] & 0xF) | (fp.mins[i + 1] & 0xF) << 4);
    }
  });

  Header h{};
  h.magic = kMagic;
  h.bands = kBands;
  h.last_docid = last;
  h.documents = db.get_doccount();
  h.replaced = replaced_count(db);
  h.postings = bands[0].size();
  h.sketch_bytes = kSketchBytes;
  const std::string uuid = db.get_uuid();
  std::memcpy(h.uuid, uuid.data(), std::min(uuid.size(), sizeof h.uuid - 1));

  const std::string path = dir + "/" + kName;
  std::vector<std::string_view> parts = {{reinterpret_cast<const char*>(&h), sizeof h}};
  for (const SortedBand& band : bands) {
    parts.emplace_back(reinterpret_cast<const char*>(band.data()), band.size() * sizeof(uint64_t));
  }
  parts.emplace_back(reinterpret_cast<const char*>(sketches.data()), sketches.size());
  if (!layout::replace_file(path, parts)) {
    return Status::internal("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::ok();
}

std::shared_ptr<const FingerprintFile> FingerprintFile::open(const std::string& dir, const Xapian::Database& db) {
  const std::string path = dir + "/" + kName;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  void* map = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) >= sizeof(Header)) {
    // Not populated: a writer reads only the pages its look-ups land on (MAP_POPULATE made an
    // add of 1,000 articles to a million no faster, and a cold cache would read all of it).
    map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
  }
  ::close(fd);
  if (map == MAP_FAILED) return nullptr;
  std::shared_ptr<FingerprintFile> file(new FingerprintFile());
  file->map_ = map;
  file->size_ = static_cast<size_t>(st.st_size);

  Header h;
  std::memcpy(&h, map, sizeof h);
  const std::string uuid = db.get_uuid();
  // Another database, an article added (a new last docid) or replaced in place (a new count)
  // since, or not whole: not this shard's file.
  if (h.magic != kMagic || h.bands != kBands || h.sketch_bytes != kSketchBytes || h.last_docid != db.get_lastdocid() ||
      h.replaced != replaced_count(db) || std::string_view(h.uuid, strnlen(h.uuid, sizeof h.uuid)) != uuid ||
      h.postings > file->size_ || file_size(h) != file->size_) {
    return nullptr;
  }
  const auto* words = reinterpret_cast<const uint64_t*>(static_cast<const char*>(map) + sizeof h);
  for (size_t band = 0; band < kBands; ++band) file->bands_[band] = {words + band * h.postings, h.postings};
  file->sketches_ = reinterpret_cast<const unsigned char*>(words + kBands * h.postings);
  file->last_docid_ = h.last_docid;
  file->documents_ = h.documents;
  return file;
}

std::vector<Xapian::docid> FingerprintFile::deleted_in(const Xapian::Database& db) const {
  std::vector<Xapian::docid> deleted;
  // As many as when written: none deleted, as none was added (open() checked the last docid).
  if (db.get_doccount() == documents_) return deleted;
  Xapian::docid next = 1;
  const auto note_gone_before = [&](Xapian::docid end) {
    for (; next < end && next <= last_docid_; ++next) {
      if (sketch(next) != nullptr) deleted.push_back(next);
    }
  };
  for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p) {
    note_gone_before(*p);
    next = *p + 1;
  }
  note_gone_before(last_docid_ + 1);
  return deleted;
}

bool FingerprintFile::remove(const std::string& dir) {
  const std::string path = dir + "/" + kName;
  std::error_code ec;
  fs::remove(path + ".tmp", ec);  // a killed write's (layout::replace_file)
  fs::remove(path, ec);
  return !fs::exists(path, ec);
}

FingerprintFile::~FingerprintFile() {
  if (map_ != nullptr) ::munmap(map_, size_);
}

const unsigned char* FingerprintFile::sketch(Xapian::docid did) const {
  if (did > last_docid_) return nullptr;
  const unsigned char* at = sketches_ + size_t{did} * kSketchBytes;
  return get_u32(at) >= kMinShingles ? at : nullptr;
}

bool FingerprintFile::may_share_story(Xapian::docid did, const Fingerprint& fp) const {
  if (did > last_docid_) return true;  // not the file's to say (the writer keeps it from happening)
  const unsigned char* at = sketch(did);
  if (at == nullptr || fp.ignored()) return false;
  size_t equal = 0;
  for (size_t i = 0; i < kMinHashes; i += 2) {
    const unsigned char both = at[4 + i / 2];
    equal += (fp.mins[i] & 0xF) == (both & 0xF);
    equal += (fp.mins[i + 1] & 0xF) == (both >> 4);
  }
  return resemblance(equal, fp.shingles, get_u32(at)).containment >= kSameStoryContainment;
}

}  // namespace sondhan::core
