// Fuzz target: word positions kept in a value (core/src/word_positions.h). The input is read two
// ways. As a stored value, it goes through phrase and near checks, which may answer anything but
// must read nothing outside it (the fuzz build's AddressSanitizer). As text (words split at
// spaces and control bytes, fields at newlines), it is encoded, and every two neighbouring words
// of a field must then be found as a phrase in that field, and as near in either order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "word_positions.h"

namespace {

using sondhan::core::PositionMatcher;
using sondhan::core::PositionPattern;

// The input's fields and their words (at most a few thousand words: the checks are quadratic).
std::vector<std::vector<std::string>> fields_of(std::string_view text) {
  std::vector<std::vector<std::string>> fields(1);
  std::string word;
  size_t words = 0;
  const auto end_word = [&] {
    if (!word.empty() && words++ < 2000) fields.back().push_back(word);
    word.clear();
  };
  for (const char c : text) {
    if (c == '\n') {
      end_word();
      fields.emplace_back();
    } else if (static_cast<unsigned char>(c) <= ' ') {
      end_word();
    } else {
      word.push_back(c);
    }
  }
  end_word();
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  PositionMatcher::Scratch scratch;

  // As a stored value: any answer, no stray read.
  for (const PositionPattern& p : {PositionPattern{.in_order = true, .window = 2, .field = -1, .stems = {"a", "b"}},
                                   PositionPattern{.in_order = false, .window = 8, .field = 1, .stems = {"a", "b", "a"}},
                                   PositionPattern{.in_order = true, .window = 5, .field = 0, .stems = {"x", "y", "z"}}}) {
    (void)PositionMatcher(p).matches(input, &scratch);
  }

  // As text: encoded, then every pair of neighbours found.
  const std::vector<std::vector<std::string>> fields = fields_of(input);
  sondhan::core::WordPositionsBuilder builder;
  bool any = false;
  for (size_t f = 0; f < fields.size(); ++f) {
    for (size_t i = 0; i < fields[f].size(); ++i) {
      builder.add(static_cast<int>(f), static_cast<uint32_t>(i + 1), fields[f][i]);
      any = true;
    }
  }
  const std::string value = builder.finish();
  SONDHAN_FUZZ_CHECK(value.empty() == !any);
  for (size_t f = 0; f < fields.size(); ++f) {
    const std::vector<std::string>& words = fields[f];
    for (size_t i = 0; i + 1 < words.size() && i < 64; ++i) {
      const int field = static_cast<int>(f);
      const PositionMatcher phrase({.in_order = true, .window = 2, .field = field, .stems = {words[i], words[i + 1]}});
      const PositionMatcher near({.in_order = false, .window = 2, .field = -1, .stems = {words[i + 1], words[i]}});
      SONDHAN_FUZZ_CHECK(phrase.matches(value, &scratch));
      SONDHAN_FUZZ_CHECK(near.matches(value, &scratch));
    }
  }
  return 0;
}
