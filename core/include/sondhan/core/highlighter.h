// Snippets and highlighting from the original stored text: the words whose stems the query
// asked for are marked, inflected forms included (কোরিয়ার for কোরিয়া), and the text is
// HTML-escaped so a browser can show it as is.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sondhan/analyzers/analyzer.h"

namespace sondhan::core {

struct HighlightOptions {
  std::string start_tag = "<mark>";
  std::string end_tag = "</mark>";
  size_t snippet_chars = 240;     // target length in characters (code points)
  std::string ellipsis = "…";
};

/// Thread safety: as its analyzer: one thread at a time; the analyzer and term set must outlive it.
class Highlighter {
 public:
  Highlighter(const analyzers::Analyzer& analyzer, const std::unordered_set<std::string>& terms,
              HighlightOptions options);

  /// The whole text, escaped, with every match marked. *matches (optional) gets the count.
  std::string mark_all(std::string_view text, size_t* matches = nullptr) const;

  /// The best passage of about snippet_chars characters: the sentences (ended by ।, ॥, ?, !,
  /// a full stop or a line break) with the most distinct query words, cut at word boundaries,
  /// escaped and marked. Without any match: the text's opening. Empty text gives "".
  std::string snippet(std::string_view text) const;

 private:
  struct Match {
    uint32_t begin, end;
    const std::string* term;  // the query term it matched (owned by terms_)
  };
  /// Matches in `text`; its word spans go to *spans when given.
  std::vector<Match> find_matches(std::string_view text, std::vector<analyzers::TokenSpan>* spans = nullptr) const;
  std::string render(std::string_view text, size_t begin, size_t end,
                     const std::vector<Match>& matches) const;

  const analyzers::Analyzer& analyzer_;
  const std::unordered_set<std::string>& terms_;
  HighlightOptions options_;
  std::unordered_set<std::string> loose_;   // loose forms of the terms (spelling fallback)
  std::unordered_set<uint64_t> word_keys_;  // analyzers::word_key of every term and loose form
  bool has_one_char_term_ = false;          // words must be looked up by their first letter too
};

/// Appends `text` to *out with &, <, >, " and ' escaped.
void append_html_escaped(std::string_view text, std::string* out);

}  // namespace sondhan::core
