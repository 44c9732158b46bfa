// Turns a validated Article into the Xapian document the index stores: the one place that
// decides which terms, positions, values and data a document has.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/article.h"
#include "sondhan/core/config.h"
#include "record_store.h"

namespace sondhan::core {

/// The boolean term for an exact-match filter value: prefix + canonical form of the whole
/// value (NFC, case-folded, zero-width characters removed), so "BBC" and "bbc" filter alike;
/// spelt as words are (word_terms.h).
std::string filter_term(const analyzers::Analyzer& analyzer, std::string_view prefix,
                        std::string_view value);

/// The sub-word fallback term for a stem: its first `letters` letters, as the index spells
/// words (word_terms.h), or "" when the stem is not longer than that (then the stem itself
/// already says everything).
std::string prefix_term(std::string_view stem, int letters);

/// The synonym-table key that groups stems spelt alike: prefix::kLoose + the loose form
/// (Analyzer::loose) they share; গরীব and গরিব both give XLগরিব (spelt as word_terms.h says,
/// as are the stems filed under it). The writer files each stem whose loose form differs from
/// it under this key; a query for any member finds the others.
std::string spelling_key(std::string_view loose);

/// The key the writer files `stem` under: spelling_key of its loose form, or "" when the stem
/// is its own loose form (nothing to file).
std::string filing_key(const analyzers::Analyzer& analyzer, const std::string& stem);

/// Thread safety: as its analyzer: one thread at a time (each writing thread has its own).
class DocumentBuilder {
 public:
  DocumentBuilder(const analyzers::Analyzer& analyzer, const IndexOptions& options)
      : analyzer_(analyzer), options_(options) {}

  /// The document for `article`, including its unique id term (id_term). When `stems`
  /// is given, the article's distinct stems are appended to it, spelt as the index spells them
  /// (word_terms.h), for spelling variants.
  Xapian::Document build(const Article& article, std::vector<std::string>* stems = nullptr) const;

  /// The dictionary records are compressed with from now on (record_store.h); null: none.
  void use_dictionary(std::shared_ptr<const RecordDictionary> dict) { dictionary_ = std::move(dict); }

 private:
  const analyzers::Analyzer& analyzer_;
  IndexOptions options_;
  std::shared_ptr<const RecordDictionary> dictionary_;
};

}  // namespace sondhan::core
