// The index spelling of words (word_terms.h).
#include "word_terms.h"

#include "bengali_bytes.h"

namespace sondhan::core {

std::string word_term(std::string_view prefix, std::string_view word, size_t max_bytes) {
  std::string out(prefix);
  out.reserve(prefix.size() + word.size());
  append_bengali_bytes(word, kEscape, &out, max_bytes);
  return out;
}

std::string word_of_term(std::string_view term) {
  std::string out(term.size() * 3, '\0');
  char* end = write_bengali_utf8(term, kEscape, out.data());
  out.resize(static_cast<size_t>(end - out.data()));
  return out;
}

}  // namespace sondhan::core
