// A light Bengali stemmer: spelling-variant folding plus suffix stripping for the inflections
// of news text. xapian_stemmer.h wraps it for Xapian's own tools.
#pragma once

#include <string>
#include <string_view>


namespace sondhan::analyzers {

/// Maps a canonical word (Normalizer output) to its stem. Words outside the Bengali block are
/// returned unchanged. The rules, their order and the reasons are in bengali_stemmer.cc.
/// Thread safety: stateless; stem() may be called from any number of threads.
class BengaliStemmer {
 public:
  /// REQUIRES: word is in canonical form (NFC, no ZWJ/ZWNJ, ASCII digits).
  std::string stem(std::string_view word) const;

  /// A looser key for a stem, for a low-weight fallback that finds spellings the stem keeps
  /// apart on purpose: chandrabindu dropped, ী/ি and ো/ু merged anywhere, য/জ and শ/ষ/স merged,
  /// a final ি (demonyms, adjectives: ফিলিস্তিনি, সরকারি) dropped from words of four letters
  /// or more; words of fewer than three letters (where look-alikes live) are left alone. Too
  /// loose for the stem itself (গরীব/গরিব would meet, but so would বিষ/বিশ-like pairs of longer
  /// words now and then), right for a fallback that only ever adds a low weight.
  /// Returns the stem unchanged for words outside the Bengali block.
  std::string loose(std::string_view stem) const;
};

}  // namespace sondhan::analyzers
