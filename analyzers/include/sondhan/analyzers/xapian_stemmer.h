// The Bengali stemmer as a Xapian::StemImplementation, so that Xapian's own tools (a
// QueryParser, a TermGenerator) can stem as sondhan does. The one analyzer header that includes
// Xapian; link sondhan_analyzers_xapian to use it.
#pragma once

#include <string>

#include <xapian.h>  // Xapian forbids including <xapian/stem.h> alone

#include "sondhan/analyzers/bengali_stemmer.h"

namespace sondhan::analyzers {

/// Give it to Xapian::Stem: Xapian::Stem stem(new XapianBengaliStemmer).
class XapianBengaliStemmer : public Xapian::StemImplementation {
 public:
  std::string operator()(const std::string& word) override { return stemmer_.stem(word); }
  std::string get_description() const override { return "sondhan_bengali"; }

 private:
  BengaliStemmer stemmer_;
};

}  // namespace sondhan::analyzers
