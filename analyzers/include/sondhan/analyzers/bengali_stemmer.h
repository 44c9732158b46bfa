// A light Bengali stemmer: spelling-variant folding plus suffix stripping for the inflections
// of news text, as a Xapian::StemImplementation so that Xapian tools can use it too.
#pragma once

#include <string>
#include <string_view>

#include <xapian.h>  // Xapian forbids including <xapian/stem.h> alone; we use only Stem.

namespace sondhan::analyzers {

/// Maps a canonical word (Normalizer output) to its stem. Words outside the Bengali block are
/// returned unchanged. The rules, their order and the reasons are in bengali_stemmer.cc.
/// Thread safety: stateless; stem() may be called from any number of threads.
class BengaliStemmer : public Xapian::StemImplementation {
 public:
  /// REQUIRES: word is in canonical form (NFC, no ZWJ/ZWNJ, ASCII digits).
  std::string stem(std::string_view word) const;

  std::string operator()(const std::string& word) override { return stem(word); }
  std::string get_description() const override { return "sondhan_bengali"; }
};

}  // namespace sondhan::analyzers
