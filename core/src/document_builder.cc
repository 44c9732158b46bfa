// Document layout (see docs/architecture.md):
//   Q<id>                 unique id (boolean)
//   <stem> with positions title words (extra wdf: index.title_weight) then body words; body
//                         positions start after a gap so that no phrase spans title and body
//   S<stem> with positions title words again, for title: searches
//   XP<first letters>     sub-word fallback for inflections the stemmer does not know
//                         (no positions: it only ever adds a low weight)
//   XW<word>              each title word as written (canonical form), for completions
//   XSRC/XCAT/XA/K/XY     exact filter terms
//   values                date, timestamp, facets (value_slots.h)
//   data                  the record, JSON in record_codec.h's compact form
// Spelling variants (গরীব for গরিব) are not document terms: the writer files each stem once in
// the synonym table under its spelling_key(), and queries expand through it.
#include "sondhan/core/document_builder.h"

#include <cstdio>
#include <unordered_map>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "sondhan/core/record_codec.h"
#include "sondhan/core/term_prefixes.h"
#include "sondhan/core/value_slots.h"

namespace sondhan::core {
namespace {

// Positions left empty between title and body, so "last title word, first body word" is no phrase.
constexpr Xapian::termpos kBodyPositionGap = 100;

// Xapian's glass backend refuses terms longer than 245 bytes.
constexpr size_t kMaxXapianTermBytes = 245;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out.push_back(slot::kListSeparator);
    out += item;
  }
  return out;
}

}  // namespace

std::string filter_term(const analyzers::Analyzer& analyzer, std::string_view prefix,
                        std::string_view value) {
  std::string term(prefix);
  term += analyzer.normalize(value);
  analyzers::truncate_term(&term, kMaxXapianTermBytes);
  return term;
}

std::string prefix_term(std::string_view stem, int letters) {
  if (letters <= 0) return {};
  // Count code points that are not combining marks, so that vowel signs ride with their letter.
  const auto* s = reinterpret_cast<const uint8_t*>(stem.data());
  const auto length = static_cast<int32_t>(stem.size());
  int32_t i = 0;
  int seen = 0;
  int32_t cut = -1;
  while (i < length) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return {};
    if ((U_GET_GC_MASK(c) & U_GC_M_MASK) != 0) continue;
    if (seen == letters) {
      cut = at;
      break;
    }
    ++seen;
  }
  if (cut < 0) return {};  // not longer than `letters`
  return std::string(prefix::kPrefix) + std::string(stem.substr(0, static_cast<size_t>(cut)));
}

std::string spelling_key(std::string_view loose) { return std::string(prefix::kLoose) + std::string(loose); }

std::string filing_key(const analyzers::Analyzer& analyzer, const std::string& stem) {
  const std::string loose = analyzer.loose(stem);
  return loose == stem ? std::string() : spelling_key(loose);
}

Xapian::Document DocumentBuilder::build(const Article& article, std::vector<std::string>* stems) const {
  Xapian::Document doc;
  doc.add_boolean_term(prefix::kId + article.id);

  const analyzers::AnalyzeOptions analyze_options;
  std::vector<analyzers::Token> tokens;
  analyzer_.analyze(article.title, analyze_options, &tokens);
  Xapian::termpos last_title_position = 0;
  const auto title_wdf = static_cast<Xapian::termcount>(options_.title_weight);
  // Within-document frequency of each distinct term, for the fallback terms derived from it.
  std::unordered_map<std::string, Xapian::termcount> wdf;
  for (const analyzers::Token& token : tokens) {
    doc.add_posting(token.term, token.position, title_wdf);
    doc.add_posting(prefix::kTitle + token.term, token.position);
    wdf[token.term] += title_wdf;
    last_title_position = token.position;
    if (token.kind == analyzers::TokenKind::kWord) {
      std::string word = prefix::kSuggest +
                         analyzer_.normalize(std::string_view(article.title).substr(token.begin, token.end - token.begin));
      analyzers::truncate_term(&word, kMaxXapianTermBytes);
      doc.add_boolean_term(word);
    }
  }

  tokens.clear();
  analyzer_.analyze(article.body, analyze_options, &tokens);
  const Xapian::termpos body_start = last_title_position + kBodyPositionGap;
  for (const analyzers::Token& token : tokens) {
    doc.add_posting(token.term, body_start + token.position);
    ++wdf[token.term];
  }
  for (const auto& [term, count] : wdf) {
    if (std::string p = prefix_term(term, options_.prefix_letters); !p.empty()) doc.add_term(p, count);
    if (stems != nullptr) stems->push_back(term);
  }

  if (!article.source.empty()) {
    doc.add_boolean_term(filter_term(analyzer_, prefix::kSource, article.source));
    doc.add_value(slot::kSource, article.source);
  }
  if (!article.category.empty()) {
    doc.add_boolean_term(filter_term(analyzer_, prefix::kCategory, article.category));
    doc.add_value(slot::kCategory, article.category);
  }
  for (const std::string& author : article.authors) {
    doc.add_boolean_term(filter_term(analyzer_, prefix::kAuthor, author));
  }
  if (!article.authors.empty()) doc.add_value(slot::kAuthors, join(article.authors));
  for (const std::string& tag : article.tags) {
    doc.add_boolean_term(filter_term(analyzer_, prefix::kTag, tag));
  }
  if (!article.tags.empty()) doc.add_value(slot::kTags, join(article.tags));

  if (article.date) {
    const ArticleDate& d = *article.date;
    char year[8], month[12];
    std::snprintf(year, sizeof year, "%04d", d.year);
    std::snprintf(month, sizeof month, "%04d-%02d", d.year, d.month);
    doc.add_value(slot::kDate, d.ymd());
    doc.add_value(slot::kTimestamp, Xapian::sortable_serialise(static_cast<double>(d.epoch_seconds)));
    doc.add_value(slot::kYear, year);
    doc.add_value(slot::kMonth, month);
    doc.add_boolean_term(std::string(prefix::kYear) + year);
  }

  doc.set_data(encode_record(article.record));
  return doc;
}

}  // namespace sondhan::core
