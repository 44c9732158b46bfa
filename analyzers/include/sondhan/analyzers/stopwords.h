// The Bengali stop-word list: function words that carry no topic and would only make posting
// lists long. Its source and reasoning are in analyzers/src/stopwords.cc.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "sondhan/analyzers/normalizer.h"

namespace sondhan::analyzers {

/// Thread safety: immutable after construction.
class StopWords {
 public:
  /// Builds the built-in list, canonicalised with `normalizer` so that lookups match tokens.
  explicit StopWords(const Normalizer& normalizer);

  /// REQUIRES: word is in canonical form (Normalizer::normalize_token).
  bool contains(std::string_view word) const;

  size_t size() const { return words_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_set<std::string, Hash, std::equal_to<>> words_;
};

}  // namespace sondhan::analyzers
