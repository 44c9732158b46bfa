// Document layout (docs/architecture.md), driven by the schema (schema.h). Words (stems, XP,
// XW, filter values, XL) are spelt as word_terms.h says, one byte a Bengali letter:
//   <id prefix><id>       unique id (boolean)
//   <stem> with positions the words of every text field, in schema order (title words with
//                         extra wdf: index.title_weight); each field's positions start after a
//                         gap so that no phrase spans two fields
//   <prefix><stem>        a text field's words again under its prefix (title: searches)
//   XP<first letters>     sub-word fallback for inflections the stemmer does not know
//                         (no positions: it only ever adds a low weight)
//   XW<word>              each word of a suggesting field as written (canonical form)
//   XN<number>            each number in the thousands a text field writes out (৫ হাজার ৮২০:
//                         XN5000, XN5820), which a query of the number finds without a phrase
//   <prefix><value>       exact filter terms of keyword fields and the year
//   values                the date ("YYYYMMDD", and the timestamp to sort by), facet values
//   values                (also), with index.positions = "compact", the positions instead of
//                         the position table: all words of the article in kPositionsSlot
//                         (word_positions.h)
//   values                (also) the fingerprint and id in kFingerprintSlot, whose bands find
//                         copies (the writer keeps them in memory: story_grouper.h's BandIndex);
//                         the story key in kStoryKeySlot is written by the writer's StoryGrouper
//   values                (also) the record in kRecordSlot: JSON in record_codec.h's compact form,
//                         compressed with zstd (record_store.h); the data is left empty
// Spelling variants (গরীব for গরিব) are not document terms: the writer files each stem once in
// the synonym table under its spelling_key(), and queries expand through it.
#include "document_builder.h"

#include <cstdio>
#include <limits>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "index_layout.h"
#include "sondhan/analyzers/numbers.h"
#include "sondhan/core/fingerprint.h"
#include "sondhan/core/record_codec.h"
#include "word_positions.h"
#include "word_terms.h"

namespace sondhan::core {
namespace {

// `text` without ASCII control characters. An exact value with them is a data error, and they
// break the index: Xapian stores a zero byte of a term as two, so a value of 130 NUL bytes made
// a key over Xapian's 255-byte limit and failed the commit of the whole batch; and U+001F
// separates the entries of a multi-valued slot.
std::string without_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(c);
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out.push_back(kListSeparator);
    out += without_controls(item);
  }
  return out;
}

}  // namespace

std::string filter_term(const analyzers::Analyzer& analyzer, std::string_view prefix,
                        std::string_view value) {
  return word_term(prefix, analyzer.normalize(without_controls(value)));
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
  return word_term(prefix::kPrefix, stem.substr(0, static_cast<size_t>(cut)));
}

std::string spelling_key(std::string_view loose) { return word_term(prefix::kLoose, loose); }

std::string filing_key(const analyzers::Analyzer& analyzer, const std::string& stem) {
  const std::string loose = analyzer.loose(stem);
  return loose == stem ? std::string() : spelling_key(loose);
}

Xapian::Document DocumentBuilder::build(const Article& article, std::vector<std::string>* stems) const {
  Xapian::Document doc;
  doc.add_boolean_term(id_term(article.id));

  std::vector<analyzers::Token> tokens;
  // index.positions: where the words stand, in Xapian's position table or in one value.
  const bool compact = options_.positions == "compact";
  WordPositionsBuilder positions;
  std::vector<std::string> body_words;  // the body's terms in order, for its fingerprint
  Xapian::termpos offset = 0;  // where the next text field's positions start
  for (const Field& field : schema()) {
    const std::vector<std::string>& values = article.values[field_index(field)];
    switch (field.kind) {
      case FieldKind::kText: {
        if (values.empty()) break;
        const std::string& text = values.front();
        tokens.clear();
        analyzer_.analyze(text, {}, &tokens);
        const auto weight = static_cast<Xapian::termcount>(field.text_weight > 0 ? field.text_weight
                                                                                 : options_.title_weight);
        const std::string own_prefix(field.prefix);
        if (field.name == "body" && stories_enabled()) {
          body_words.reserve(tokens.size());
          for (const analyzers::Token& token : tokens) body_words.push_back(token.term);
        }
        for (const analyzers::Token& token : tokens) {
          const Xapian::termpos position = offset + token.position;
          const std::string term = word_term(token.term);
          if (compact) {
            doc.add_term(term, weight);
            if (!own_prefix.empty()) doc.add_term(own_prefix + term);
            positions.add(static_cast<int>(field_index(field)), position, token.term);
          } else {
            doc.add_posting(term, position, weight);
            if (!own_prefix.empty()) doc.add_posting(own_prefix + term, position);
          }
          if (field.suggest && token.kind == analyzers::TokenKind::kWord) {
            doc.add_boolean_term(word_term(prefix::kSuggest, analyzer_.normalize(std::string_view(text).substr(
                                                                   token.begin, token.end - token.begin))));
          }
        }
        for (size_t i = 0; i + 1 < tokens.size(); ++i) {
          if (tokens[i + 1].position != tokens[i].position + 1) continue;
          const bool rest = i + 2 < tokens.size() && tokens[i + 2].position == tokens[i + 1].position + 1;
          for (const std::string& value :
               analyzers::spoken_thousands(tokens[i].term, tokens[i + 1].term, rest ? tokens[i + 2].term : "")) {
            doc.add_term(word_term(prefix::kSpoken, value));
          }
        }
        if (!tokens.empty()) offset += tokens.back().position + kFieldPositionGap;
        break;
      }
      case FieldKind::kKeyword:
      case FieldKind::kKeywordList:
        for (const std::string& value : values) doc.add_boolean_term(filter_term(analyzer_, field.prefix, value));
        if (!values.empty() && field.slot >= 0) doc.add_value(static_cast<Xapian::valueno>(field.slot), join(values));
        break;
      case FieldKind::kDate:
        if (article.date) {
          doc.add_value(static_cast<Xapian::valueno>(field.slot), article.date->ymd());
          doc.add_value(static_cast<Xapian::valueno>(field.sort_slot),
                        Xapian::sortable_serialise(static_cast<double>(article.date->epoch_seconds)));
        } else {
          // Undated: before every date, where no value sorted too. A match sorted by date reads
          // the sort values as one stream; for a document without one, glass looks the slot up
          // in the B-tree on its own (two block reads each in some layouts: 20,000 reads for a
          // page of 18,000 undated articles, 26 with the value).
          doc.add_value(static_cast<Xapian::valueno>(field.sort_slot),
                        Xapian::sortable_serialise(std::numeric_limits<double>::lowest()));
        }
        break;
      case FieldKind::kYear:
      case FieldKind::kMonth:
        if (article.date) {
          char value[16];
          if (field.kind == FieldKind::kYear) {
            std::snprintf(value, sizeof value, "%04d", article.date->year);
          } else {
            std::snprintf(value, sizeof value, "%04d-%02d", article.date->year, article.date->month);
          }
          doc.add_value(static_cast<Xapian::valueno>(field.slot), value);
          if (!field.prefix.empty()) doc.add_boolean_term(std::string(field.prefix) + value);
        }
        break;
      case FieldKind::kId:
      case FieldKind::kStored:
        break;
    }
  }
  // The distinct words, from the document's own term list (its wdf is what the text fields gave
  // each word): for the sub-word fallback terms and the spelling variants. Collected first, as
  // adding terms while walking the list would change it.
  if (options_.prefix_letters > 0 || stems != nullptr) {
    std::vector<std::pair<std::string, Xapian::termcount>> words;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      std::string term = *t;
      if (is_word_term(term)) words.emplace_back(std::move(term), t.get_wdf());
    }
    for (auto& [term, count] : words) {
      if (options_.prefix_letters > 0) {
        if (std::string p = prefix_term(word_of_term(term), options_.prefix_letters); !p.empty()) doc.add_term(p, count);
      }
      if (stems != nullptr) stems->push_back(std::move(term));
    }
  }

  // The body's near-duplicate fingerprint (story_grouper.h groups by its bands).
  const Fingerprint fp = stories_enabled() ? fingerprint_of(body_words) : Fingerprint();
  if (std::string value = encode_fingerprint(fp, article.id); !value.empty()) {
    doc.add_value(static_cast<Xapian::valueno>(kFingerprintSlot), value);
  }

  if (std::string value = positions.finish(); !value.empty()) {
    doc.add_value(static_cast<Xapian::valueno>(kPositionsSlot), value);
  }
  std::string record = encode_record(article.record);
  if (std::string compressed = compress_record(record, dictionary_.get()); !compressed.empty()) {
    doc.add_value(static_cast<Xapian::valueno>(kRecordSlot), std::move(compressed));
  } else {
    doc.set_data(std::move(record));  // zstd failed (it does not with its own bound): kept as format 8 kept it
  }
  return doc;
}

}  // namespace sondhan::core
