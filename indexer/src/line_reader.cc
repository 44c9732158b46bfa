// Line-by-line reading of plain or gzip JSON Lines input (zlib reads both).
#include "sondhan/indexer/line_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <zlib.h>

namespace sondhan::indexer {

core::Result<std::unique_ptr<LineReader>> LineReader::open(const std::string& path, size_t max_line_bytes) {
  std::unique_ptr<LineReader> reader(new LineReader());
  reader->max_line_bytes_ = max_line_bytes;
  gzFile f = path == "-" ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    return core::Status::not_found("cannot open " + path + ": " + std::strerror(errno));
  }
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
  // Read raw blocks and split on '\n' ourselves: gzgets() cannot tell a NUL byte inside a line
  // from the end of its buffer, and would run two lines together.
  auto f = static_cast<gzFile>(file_);
  line->clear();
  size_t length = 0;  // of the line, counted on even when its bytes are no longer kept
  while (true) {
    if (pos_ < buffer_.size()) {
      const size_t nl = buffer_.find('\n', pos_);
      const size_t end = nl == std::string::npos ? buffer_.size() : nl;
      length += end - pos_;
      if (length <= max_line_bytes_) line->append(buffer_, pos_, end - pos_);
      pos_ = end;
      if (nl != std::string::npos) {
        ++pos_;
        break;
      }
    }
    buffer_.resize(256 * 1024);
    const int n = gzread(f, buffer_.data(), static_cast<unsigned>(buffer_.size()));
    pos_ = 0;
    if (n < 0) {
      int err = Z_OK;
      const char* message = gzerror(f, &err);
      buffer_.clear();
      return core::Status::internal(std::string("read error: ") + message);
    }
    buffer_.resize(static_cast<size_t>(n));
    if (n == 0) {
      int err = Z_OK;
      const char* message = gzerror(f, &err);
      if (err != Z_OK && err != Z_STREAM_END) {
        return core::Status::internal(std::string("read error: ") + message);
      }
      if (length == 0) return false;  // end of input (a last line without '\n' is kept)
      break;
    }
  }
  ++line_number_;
  if (length > max_line_bytes_) {
    line->clear();
    return core::Status::invalid_argument("record is longer than " + std::to_string(max_line_bytes_) +
                                          " bytes (index.max_record_bytes); skipped");
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  // A byte order mark (files saved by Windows tools) is not part of the first record.
  if (line_number_ == 1 && line->compare(0, 3, "\xEF\xBB\xBF") == 0) line->erase(0, 3);
  return true;
}

uint64_t LineReader::bytes_read() const {
  const z_off_t offset = gzoffset(static_cast<gzFile>(file_));
  return offset < 0 ? 0 : static_cast<uint64_t>(offset);
}

}  // namespace sondhan::indexer
