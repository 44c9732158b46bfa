// Reads JSON Lines input line by line from a file, a .gz file or standard input ("-").
#pragma once

#include <cstdint>
#include <cstddef>
#include <memory>
#include <string>

#include "sondhan/core/status.h"

namespace sondhan::indexer {

/// zlib reads gzip and plain files alike, so one reader serves .jsonl and .jsonl.gz.
/// Not thread-safe.
class LineReader {
 public:
  /// kNotFound if the file cannot be opened. Lines longer than `max_line_bytes` are skipped
  /// (see next()), so that one runaway record never has to fit in memory.
  static core::Result<std::unique_ptr<LineReader>> open(const std::string& path,
                                                        size_t max_line_bytes = SIZE_MAX);
  ~LineReader();

  /// Reads the next line (without its newline) into *line; false at the end of input.
  /// kInvalidArgument for a line longer than max_line_bytes, which is skipped (the next call
  /// reads the line after it; line_number() counts it). kInternal on a read error (a truncated
  /// gzip file, for instance).
  core::Result<bool> next(std::string* line);

  uint64_t line_number() const { return line_number_; }
  /// Bytes of the input file consumed so far, and its size (0 when unknown, as for a pipe).
  uint64_t bytes_read() const;
  uint64_t size() const { return size_; }

 private:
  LineReader() = default;
  void* file_ = nullptr;  // gzFile
  std::string buffer_;     // decompressed bytes not yet returned, from pos_
  size_t pos_ = 0;
  size_t max_line_bytes_ = SIZE_MAX;
  uint64_t line_number_ = 0;
  uint64_t size_ = 0;
};

}  // namespace sondhan::indexer
