#include "sondhan/indexer/line_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <zlib.h>

namespace sondhan::indexer {

core::Result<std::unique_ptr<LineReader>> LineReader::open(const std::string& path) {
  std::unique_ptr<LineReader> reader(new LineReader());
  gzFile f = path == "-" ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    return core::Status::not_found("cannot open " + path + ": " + std::strerror(errno));
  }
  gzbuffer(f, 256 * 1024);
  reader->file_ = f;
  struct stat st;
  if (path != "-" && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    reader->size_ = static_cast<uint64_t>(st.st_size);
  }
  return reader;
}

LineReader::~LineReader() {
  if (file_) gzclose(static_cast<gzFile>(file_));
}

core::Result<bool> LineReader::next(std::string* line) {
  auto f = static_cast<gzFile>(file_);
  line->clear();
  char buffer[64 * 1024];
  bool got_any = false;
  while (gzgets(f, buffer, sizeof buffer) != nullptr) {
    got_any = true;
    const size_t n = std::strlen(buffer);
    line->append(buffer, n);
    if (n > 0 && buffer[n - 1] == '\n') break;
  }
  int err = Z_OK;
  const char* message = gzerror(f, &err);
  if (err != Z_OK && err != Z_STREAM_END) {
    return core::Status::internal(std::string("read error: ") + message);
  }
  if (!got_any) return false;
  ++line_number_;
  if (!line->empty() && line->back() == '\n') line->pop_back();
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

uint64_t LineReader::bytes_read() const {
  const z_off_t offset = gzoffset(static_cast<gzFile>(file_));
  return offset < 0 ? 0 : static_cast<uint64_t>(offset);
}

}  // namespace sondhan::indexer
