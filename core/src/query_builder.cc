// Query language -> Xapian::Query. A hand-written recursive-descent parser: Xapian's own
// QueryParser tokenizes with Xapian's word rules, which differ from our analyzer (digits, hyphens,
// zero-width characters, stop words), and a query must become exactly the terms the document did.
#include "query_builder.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "document_builder.h"
#include "position_filter.h"
#include "sondhan/analyzers/news_synonyms.h"
#include "sondhan/analyzers/numbers.h"
#include "sondhan/core/schema.h"
#include "sondhan/core/utf8.h"
#include "word_terms.h"

namespace sondhan::core {
namespace {

enum class Tok { kWord, kPhrase, kLParen, kRParen, kOr, kAnd, kNot, kEnd };

struct Lexeme {
  Tok type = Tok::kEnd;
  std::string text;   // the word or phrase, without its sign, field or quotes
  std::string field;  // "title", "source"... or empty
  char sign = 0;      // '-', '+' or 0
};

// A loose key shared by more stems than this is too vague to expand in full.
constexpr size_t kMaxSpellingVariants = 16;

// A new match-everything query. Never copy Xapian::Query::MatchAll: it is one static object,
// and Xapian's reference counts are not atomic, so copies made on several threads at once
// corrupt its count (a use-after-free under concurrent browse requests).
Xapian::Query match_all() { return Xapian::Query(std::string()); }

// The query for a word as the index spells it (word_terms.h), under a text field's prefix or none.
// Everything else here handles words in UTF-8.
Xapian::Query word_query(std::string_view prefix, std::string_view word) {
  return Xapian::Query(word_term(prefix, word));
}
Xapian::Query word_query(std::string_view word) { return word_query({}, word); }

// Words joined by `op`.
Xapian::Query words_query(Xapian::Query::op op, const std::vector<std::string>& words) {
  std::vector<Xapian::Query> parts;
  parts.reserve(words.size());
  for (const std::string& word : words) parts.push_back(word_query(word));
  return Xapian::Query(op, parts.begin(), parts.end());
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The field a query may name (name:value): an exact filter (source:, year:...), or a text
// field that has terms of its own (title:); null for anything else.
const Field* query_field(std::string_view name) {
  if (const Field* f = find_filter(name); f != nullptr && f->filter) return f;
  const Field* f = find_field(name);
  return f != nullptr && f->kind == FieldKind::kText && !f->prefix.empty() ? f : nullptr;
}

// The schema index of the text field whose own prefix is `prefix`; -1 for "" (every text field).
int text_field_with_prefix(std::string_view prefix) {
  if (prefix.empty()) return -1;
  for (const Field& f : schema()) {
    if (f.kind == FieldKind::kText && f.prefix == prefix) return static_cast<int>(field_index(f));
  }
  return -1;
}

Status lex(std::string_view text, std::vector<Lexeme>* out) {
  size_t i = 0;
  while (true) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    Lexeme lx;
    if (text[i] == '(') { lx.type = Tok::kLParen; ++i; out->push_back(lx); continue; }
    if (text[i] == ')') { lx.type = Tok::kRParen; ++i; out->push_back(lx); continue; }
    if ((text[i] == '-' || text[i] == '+') && i + 1 < text.size() && !is_space(text[i + 1])) {
      lx.sign = text[i++];
      if (text[i] == '(') {  // -( ... ): the sign applies to the group
        out->push_back({Tok::kNot, "", "", lx.sign});
        continue;
      }
    }
    if (text[i] != '"') {
      // A field prefix is letters then ':' (title:, source:...).
      size_t j = i;
      while (j < text.size() && ((text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z'))) ++j;
      if (j > i && j < text.size() && text[j] == ':') {
        std::string field(text.substr(i, j - i));
        for (char& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        // Anything else ("BNP: সমাবেশ", a pasted URL) is plain text, as in Xapian's QueryParser.
        if (query_field(field) != nullptr) {
          lx.field = field;
          i = j + 1;
        }
      }
    }
    if (i < text.size() && text[i] == '"') {
      const size_t close = text.find('"', i + 1);
      const size_t end = close == std::string_view::npos ? text.size() : close;
      lx.type = Tok::kPhrase;
      lx.text = std::string(text.substr(i + 1, end - i - 1));
      i = close == std::string_view::npos ? text.size() : close + 1;
    } else {
      const size_t start = i;
      while (i < text.size() && !is_space(text[i]) && text[i] != '(' && text[i] != ')' && text[i] != '"') ++i;
      lx.type = Tok::kWord;
      lx.text = std::string(text.substr(start, i - start));
      if (lx.sign == 0 && lx.field.empty()) {
        if (lx.text == "OR") lx.type = Tok::kOr;
        else if (lx.text == "AND") lx.type = Tok::kAnd;
        else if (lx.text == "NOT") lx.type = Tok::kNot;
      }
    }
    if (!lx.field.empty() && lx.text.empty()) {
      return Status::invalid_argument("field '" + lx.field + ":' has no value");
    }
    out->push_back(std::move(lx));
  }
  out->push_back({});
  return Status::ok();
}

}  // namespace

// The parser's working state for one query.
class QueryParserState {
 public:
  QueryParserState(const QueryBuilder& builder, std::vector<Lexeme> lexemes, const VariantLookup& variants,
                   const TermFrequency& frequency)
      : b_(builder), lx_(std::move(lexemes)), variants_(variants), frequency_(frequency) {}

  Result<ParsedQuery> run() {
    Xapian::Query q;
    if (Status s = parse_expr(0, &q); !s.is_ok()) return s;
    if (peek().type == Tok::kRParen) return Status::invalid_argument("unbalanced ')' in query");
    ParsedQuery parsed;
    parsed.has_text = !highlight_.empty();
    // Nothing to match: a blank query browses everything (with filters, newest first); a query
    // whose words all vanished (stop words, lone operators, punctuation) finds nothing, rather
    // than everything.
    const bool blank = lx_.size() == 1;  // only the end marker
    parsed.query = !q.empty() ? q : blank ? match_all() : Xapian::Query();
    parsed.highlight = std::move(highlight_);
    if (!parsed.query.empty()) {
      parsed.deferred = std::move(deferred_);
      parsed.all_words = whole_split_.all_words;
      parsed.other_words = whole_split_.other_words;
    }
    if (!parsed.query.empty() && !proximity_.empty()) {
      parsed.proximity = Xapian::Query(Xapian::Query::OP_OR, proximity_.begin(), proximity_.end());
      parsed.proximity_pairs = std::move(proximity_pairs_);
    }
    return parsed;
  }

 private:
  // A group of items joined by implicit AND-ish ranking: what one level of the query holds.
  struct Group {
    std::vector<Xapian::Query> soft;            // ranked; all-words documents first
    std::vector<std::string> soft_stems;        // the soft words' main stems, for phrase boosts
    std::vector<Xapian::Query> required;
    std::vector<Xapian::Query> excluded;
    std::map<std::string, std::vector<Xapian::Query>> filters;  // field -> alternatives
    // The position checks (index.positions = "compact") of the phrases among `required`,
    // `excluded` and `soft`, which a DeferredPositions may take over.
    std::vector<std::shared_ptr<PositionCheck>> required_checks, excluded_checks, soft_checks;
  };

  const Lexeme& peek() const { return lx_[pos_]; }
  const Lexeme& next() { return lx_[pos_ < lx_.size() - 1 ? pos_++ : pos_]; }

  Status parse_expr(int depth, Xapian::Query* out) {
    if (depth > b_.search_.max_nesting) {
      return Status::invalid_argument("query nests parentheses deeper than " +
                                      std::to_string(b_.search_.max_nesting));
    }
    Xapian::Query left;
    // The whole query's own group: the checks of its phrases can wait (DeferredPositions),
    // unless an OR makes them one alternative of several. Only positions in a value are
    // checked by sondhan; Xapian defers its own phrase checks.
    auto deferred = depth == 0 && b_.index_.positions == "compact" ? std::make_shared<DeferredPositions>() : nullptr;
    if (Status s = parse_group(depth, &left, deferred.get()); !s.is_ok()) return s;
    if (peek().type != Tok::kOr && deferred != nullptr && !deferred->empty()) deferred_ = std::move(deferred);
    if (peek().type != Tok::kOr && depth == 0) whole_split_ = std::move(split_);
    while (peek().type == Tok::kOr) {
      next();
      Xapian::Query right;
      if (Status s = parse_group(depth, &right); !s.is_ok()) return s;
      if (left.empty()) left = right;
      else if (!right.empty()) left = Xapian::Query(Xapian::Query::OP_OR, left, right);
    }
    *out = left;
    return Status::ok();
  }

  // `deferred`, when given, takes the checks of the phrases every match of the group must have or
  // must not have.
  Status parse_group(int depth, Xapian::Query* out, DeferredPositions* deferred = nullptr) {
    Group g;
    bool require_next = false;
    bool last_was_soft = false;  // the item just parsed went to g.soft
    while (true) {
      const Lexeme& lx = peek();
      if (lx.type == Tok::kEnd || lx.type == Tok::kRParen || lx.type == Tok::kOr) break;
      if (lx.type == Tok::kAnd) {
        next();
        require_next = true;
        // "a AND b": a becomes required too (if a was a ranked word, not an exclusion or filter).
        if (last_was_soft) {
          g.required.push_back(g.soft.back());
          g.soft.pop_back();
          g.soft_stems.pop_back();
          last_was_soft = false;
        }
        continue;
      }
      char sign = 0;
      if (lx.type == Tok::kNot) {
        sign = lx.sign == '+' ? '+' : '-';
        next();
        if (peek().type == Tok::kEnd || peek().type == Tok::kRParen || peek().type == Tok::kOr) {
          return Status::invalid_argument("NOT or '-' must be followed by a word, phrase or group");
        }
      }
      // "a AND b" requires b, but "a AND -b" still excludes b: an item's own sign wins.
      if (require_next && sign == 0 && peek().sign == 0) sign = '+';
      require_next = false;
      const size_t soft_before = g.soft.size();
      if (Status s = parse_item(depth, sign, &g); !s.is_ok()) return s;
      last_was_soft = g.soft.size() > soft_before;
    }
    if (deferred != nullptr) {
      for (auto& check : g.required_checks) deferred->require(check);
      for (auto& check : g.excluded_checks) deferred->exclude(check);
      // A phrase alone (ঢাকা-চট্টগ্রাম, which the analyzer splits) is the whole ranked part.
      if (g.required.empty() && g.soft.size() == 1 && g.soft_checks.size() == 1) deferred->require(g.soft_checks[0]);
    }
    return finish_group(g, out);
  }

  Status parse_item(int depth, char outer_sign, Group* g) {
    const Lexeme lx = next();
    const char sign = outer_sign ? outer_sign : lx.sign;
    Xapian::Query q;
    std::string main_stem;
    if (lx.type == Tok::kLParen) {
      // Words of an excluded group are excluded as written, without their expansions.
      if (sign == '-') ++excluding_;
      const Status s = parse_expr(depth + 1, &q);
      if (sign == '-') --excluding_;
      if (!s.is_ok()) return s;
      if (next().type != Tok::kRParen) return Status::invalid_argument("unbalanced '(' in query");
    } else if (lx.type == Tok::kAnd || lx.type == Tok::kNot) {
      return Status::invalid_argument("misplaced operator in query");
    } else if (const Field* f = query_field(lx.field); f != nullptr && f->kind != FieldKind::kText) {
      q = Xapian::Query(filter_term(b_.analyzer_, f->prefix, lx.text));
      if (sign == '-') g->excluded.push_back(q);
      else g->filters[lx.field].push_back(q);
      return count_terms(1);
    } else {
      const std::string_view field_prefix = f != nullptr ? f->prefix : std::string_view();
      const bool phrase = lx.type == Tok::kPhrase;
      std::shared_ptr<PositionCheck> check;
      if (Status s = text_query(lx.text, field_prefix, phrase, sign == '-' || excluding_ > 0, &q, &main_stem, &check);
          !s.is_ok()) {
        return s;
      }
      if (q.empty()) return Status::ok();  // only stop words or punctuation
      if (phrase || f != nullptr) {
        (sign == '-' ? g->excluded : g->required).push_back(q);
        if (check) (sign == '-' ? g->excluded_checks : g->required_checks).push_back(std::move(check));
        return Status::ok();
      }
      if (check) (sign == '-' ? g->excluded_checks : sign == '+' ? g->required_checks : g->soft_checks).push_back(check);
    }
    if (q.empty()) return Status::ok();
    if (sign == '-') {
      g->excluded.push_back(q);
    } else if (sign == '+') {
      g->required.push_back(q);
    } else {
      g->soft.push_back(q);
      g->soft_stems.push_back(main_stem);
    }
    return Status::ok();
  }

  // The query for a word or phrase. A word that the analyzer splits (ঢাকা-চট্টগ্রাম, COVID-19)
  // becomes a phrase of its parts. Stop words are dropped, but keep their place in a phrase.
  // `field_prefix` is a text field's own prefix (title:), or "" for every text field. A phrase
  // checked by its positions value leaves its check in `*check`.
  Status text_query(const std::string& text, std::string_view field_prefix_view, bool phrase, bool negated,
                    Xapian::Query* out, std::string* main_stem, std::shared_ptr<PositionCheck>* check) {
    // Stop words are not indexed, so they are dropped here too (keeping their positions).
    std::vector<analyzers::Token> tokens;
    b_.analyzer_.analyze(text, {}, &tokens);
    if (tokens.empty()) return Status::ok();
    if (Status s = count_terms(tokens.size()); !s.is_ok()) return s;
    const std::string field_prefix(field_prefix_view);
    if (!negated) {
      for (const auto& t : tokens) highlight_.insert(t.term);
    }
    if (tokens.size() == 1) {
      const std::string& stem = tokens[0].term;
      *main_stem = stem;
      Xapian::Query q = word_query(field_prefix, stem);
      if (field_prefix.empty() && !phrase && !negated) q = expand_word(stem);
      *out = q;
      return Status::ok();
    }
    PositionPattern phrase_words;
    phrase_words.window = tokens.back().position - tokens.front().position + 1;
    phrase_words.field = text_field_with_prefix(field_prefix);
    for (const auto& t : tokens) phrase_words.stems.push_back(t.term);
    *out = phrase_query(std::move(phrase_words), field_prefix, check);
    return Status::ok();
  }

  // Words standing as `pattern` says (each as its term with `field_prefix`), found where
  // index.positions keeps positions: Xapian's OP_PHRASE or OP_NEAR over its position table, or
  // the words' AND filtered by their positions value (position_filter.h), whose check goes to
  // `*check` if given. Weighted the same.
  Xapian::Query phrase_query(PositionPattern pattern, std::string_view field_prefix,
                             std::shared_ptr<PositionCheck>* check = nullptr) const {
    if (b_.index_.positions == "compact") return positions_query(std::move(pattern), field_prefix, check);
    std::vector<Xapian::Query> words;
    for (const std::string& stem : pattern.stems) words.push_back(word_query(field_prefix, stem));
    return Xapian::Query(pattern.in_order ? Xapian::Query::OP_PHRASE : Xapian::Query::OP_NEAR, words.begin(),
                         words.end(), pattern.window);
  }

  // A free-text word: its stem (with its synonyms, as one word), plus its paraphrases, the
  // title copy and the sub-word and spelling fallbacks at lower weights.
  Xapian::Query expand_word(const std::string& stem) {
    std::vector<Xapian::Query> alternatives{word_query(stem)};
    if (auto it = b_.synonyms_.find(stem); it != b_.synonyms_.end()) {
      std::vector<std::string> same{stem};
      for (const std::string& other : it->second) {
        same.push_back(other);
        highlight_.insert(other);
      }
      alternatives[0] = words_query(Xapian::Query::OP_SYNONYM, same);
    }
    if (auto it = b_.paraphrases_.find(stem); it != b_.paraphrases_.end()) {
      // Other words for the same thing, as one word at a lower weight; not those already
      // matched as spellings of this one.
      const auto spellings = b_.synonyms_.find(stem);
      std::vector<std::string> others;
      for (const std::string& other : it->second) {
        if (spellings != b_.synonyms_.end() &&
            std::find(spellings->second.begin(), spellings->second.end(), other) != spellings->second.end()) {
          continue;
        }
        others.push_back(other);
        highlight_.insert(other);
      }
      if (!others.empty()) {
        alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, words_query(Xapian::Query::OP_SYNONYM, others),
                                  b_.ranking_.paraphrase_weight);
      }
    }
    if (b_.ranking_.title_boost > 0) {
      alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                                word_query(find_field("title")->prefix, stem),
                                b_.ranking_.title_boost);
    }
    if (b_.ranking_.prefix_weight > 0) {
      if (std::string p = prefix_term(stem, b_.index_.prefix_letters); !p.empty()) {
        alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(p),
                                  b_.ranking_.prefix_weight);
      }
    }
    if (b_.ranking_.loose_weight > 0) {
      // Both directions of a spelling variant: stems whose loose form is ours (they wrote
      // গরীব, we asked গরিব), as one synonym so that their counts add up like one word's; and
      // the stem that is our loose form (the other way round). The group holds our own stem
      // too when it is spelt unlike its loose form; counting it once more at loose_weight
      // scored better than leaving it out (docs/relevance.md).
      const std::string loose = b_.analyzer_.loose(stem);
      std::vector<std::string> variants;
      if (variants_) variants_(spelling_key(loose), &variants);
      if (variants.size() > kMaxSpellingVariants) variants.resize(kMaxSpellingVariants);
      const bool bm25 = b_.ranking_.scheme == "bm25" || b_.ranking_.scheme == "bm25+";
      if (bm25 && variants == std::vector<std::string>{stem} && !b_.synonyms_.count(stem)) {
        // The group is the word alone (no other spelling of it in the archive): under BM25 it
        // weighs what the word does, so the word counts 1 + loose_weight times, the same
        // weights, and its postings are walked once instead of twice (searches of common words
        // at a million articles: 10 to 15% of their time).
        alternatives[0] = Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, alternatives[0], 1 + b_.ranking_.loose_weight);
      } else if (!variants.empty()) {
        alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, words_query(Xapian::Query::OP_SYNONYM, variants),
                                  b_.ranking_.loose_weight);
      }
      if (loose != stem) {
        alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, word_query(loose),
                                  b_.ranking_.loose_weight);
      }
    }
    if (b_.ranking_.number_weight > 0) {
      // A number word also finds its digits (তিন: ৩), which is how news text prints numbers;
      // and a number in the thousands its written-out form (5820: ৫ হাজার ৮২০).
      if (std::string digits = analyzers::number_value(stem); !digits.empty()) {
        alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, word_query(digits),
                                  b_.ranking_.number_weight);
        highlight_.insert(digits);
      }
      // The written-out form is a term of its own (document_builder.cc), not a phrase of
      // common words (৫, হাজার, ৮২০) whose positions are read for every article with all three.
      if (!analyzers::thousands_terms(stem).empty()) {
        alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, word_query(prefix::kSpoken, stem),
                                  b_.ranking_.number_weight);
      }
    }
    if (b_.ranking_.compound_weight > 0 && frequency_) {
      // A compound the archive mostly writes as two words (দক্ষিণপশ্চিমাঞ্চল: দক্ষিণ-পশ্চিমাঞ্চল)
      // also matches articles with both. Both, not the phrase: that ranked as well on the hard
      // set, and reads no word positions (docs/relevance.md).
      if (auto parts = compound_parts(stem); !parts.empty()) {
        for (const std::string& part : parts) highlight_.insert(part);
        alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                                  words_query(Xapian::Query::OP_AND, parts),
                                  b_.ranking_.compound_weight);
      }
    }
    if (alternatives.size() == 1) return alternatives[0];
    return Xapian::Query(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
  }

  // The two words `stem` is a compound of, or none: the split whose halves the archive holds
  // most often (the geometric mean of their article counts, as in Koehn and Knight's
  // decompounding), when that is well above the compound's own count. A common compound
  // (বাংলাদেশ) is left whole: its halves written apart are another thing.
  std::vector<std::string> compound_parts(const std::string& stem) const {
    constexpr double kRarer = 10;  // the halves together at least this much commoner
    auto splits = b_.analyzer_.compound_splits(stem);
    if (splits.empty()) return {};
    double best = kRarer * std::max(static_cast<double>(frequency_(stem)), 1.0);
    std::vector<std::string> parts;
    for (auto& [left, right] : splits) {
      const double score = std::sqrt(static_cast<double>(frequency_(left)) * frequency_(right));
      if (score > best) {
        best = score;
        parts = {std::move(left), std::move(right)};
      }
    }
    return parts;
  }

  // Sets *out to the group's query and split_ to its split (ParsedQuery::all_words), if any.
  Status finish_group(Group& g, Xapian::Query* out) {
    Xapian::Query any, all;  // the ranked words: any of them, and all of them
    split_ = {};
    if (!g.soft.empty()) {
      any = Xapian::Query(Xapian::Query::OP_OR, g.soft.begin(), g.soft.end());
      // Short queries are mostly topical (ডেঙ্গু পরিস্থিতি): an article that has every word,
      // one of them in passing, should not outrank one about the rarer word. Longer queries
      // mostly describe one article, which has all of them, close together.
      const size_t words = g.soft.size();
      if (words >= static_cast<size_t>(b_.ranking_.all_words_min_words) &&
          b_.ranking_.all_words_boost > 0) {
        all = Xapian::Query(Xapian::Query::OP_AND, g.soft.begin(), g.soft.end());
      }
      // Neighbouring query words found close together in the text score extra. Checking
      // positions is the dearest part of a search over long posting lists, so the pairs are kept
      // apart (ParsedQuery::proximity) for the searcher to apply to the best candidates only.
      if (words >= static_cast<size_t>(b_.ranking_.phrase_min_words) &&
          b_.ranking_.phrase_boost > 0) {
        std::vector<Xapian::Query> pairs;
        for (size_t i = 0; i + 1 < g.soft_stems.size(); ++i) {
          // Groups and words the analyzer split (ঢাকা-চট্টগ্রাম) have no single stem.
          if (g.soft_stems[i].empty() || g.soft_stems[i + 1].empty()) continue;
          const auto window = static_cast<uint32_t>(b_.ranking_.phrase_window);
          PositionPattern pattern{.in_order = window <= 2, .window = window, .field = -1,
                                  .stems = {g.soft_stems[i], g.soft_stems[i + 1]}};
          if (b_.index_.positions == "compact") {
            proximity_pairs_.push_back({pattern, word_term(g.soft_stems[i]), word_term(g.soft_stems[i + 1]),
                                        b_.ranking_.phrase_boost});
          }
          pairs.push_back(phrase_query(std::move(pattern), {}));
        }
        if (!pairs.empty()) {
          proximity_.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                                  Xapian::Query(Xapian::Query::OP_OR, pairs.begin(), pairs.end()),
                                  b_.ranking_.phrase_boost);
        }
      }
    }
    if (all.empty()) {
      *out = constrained(g, any);
      return Status::ok();
    }
    // An article with every word weighs what each word gives it, and the boost's share of that
    // again (the AND weighs the sum of its parts): 1 + all_words_boost times, in the split.
    const double boost = b_.ranking_.all_words_boost;
    *out = constrained(g, Xapian::Query(Xapian::Query::OP_OR, any,
                                        Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, all, boost)));
    split_.all_words = constrained(g, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, all, 1 + boost),
                                   /*must_match=*/true);
    split_.other_words = Xapian::Query(Xapian::Query::OP_AND_NOT, constrained(g, any), all);
    return Status::ok();
  }

  // `ranked` (the group's ranked words, or empty) with the group's required words, filters and
  // exclusions: ranking those with the required words, or, with `must_match`, required too.
  static Xapian::Query constrained(const Group& g, const Xapian::Query& ranked, bool must_match = false) {
    Xapian::Query q;
    if (!g.required.empty()) {
      q = Xapian::Query(Xapian::Query::OP_AND, g.required.begin(), g.required.end());
      if (!ranked.empty()) {
        q = Xapian::Query(must_match ? Xapian::Query::OP_AND : Xapian::Query::OP_AND_MAYBE, q, ranked);
      }
    } else {
      q = ranked;
    }
    if (!g.filters.empty()) {
      std::vector<Xapian::Query> per_field;
      for (auto& [field, alternatives] : g.filters) {
        per_field.emplace_back(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
      }
      Xapian::Query filter(Xapian::Query::OP_AND, per_field.begin(), per_field.end());
      q = q.empty() ? filter : Xapian::Query(Xapian::Query::OP_FILTER, q, filter);
    }
    if (!g.excluded.empty()) {
      if (q.empty()) q = match_all();
      q = Xapian::Query(Xapian::Query::OP_AND_NOT, q,
                        Xapian::Query(Xapian::Query::OP_OR, g.excluded.begin(), g.excluded.end()));
    }
    return q;
  }

  Status count_terms(size_t n) {
    terms_ += n;
    if (terms_ > static_cast<size_t>(b_.search_.max_query_terms)) {
      return Status::invalid_argument("query has more than " +
                                      std::to_string(b_.search_.max_query_terms) + " terms");
    }
    return Status::ok();
  }

  const QueryBuilder& b_;
  std::vector<Lexeme> lx_;
  const VariantLookup& variants_;
  const TermFrequency& frequency_;
  size_t pos_ = 0;
  size_t terms_ = 0;
  int excluding_ = 0;  // how many excluded groups (-( ... )) the parser is inside
  std::unordered_set<std::string> highlight_;
  std::vector<Xapian::Query> proximity_;  // each group's scaled proximity pairs
  std::vector<ProximityPair> proximity_pairs_;  // the same pairs, with positions in a value
  std::shared_ptr<DeferredPositions> deferred_;  // the whole query's phrase checks that can wait
  struct Split {
    Xapian::Query all_words, other_words;
  };
  Split split_;        // of the group finished last
  Split whole_split_;  // of the whole query's group, when it is one group (no top-level OR)
};

QueryBuilder::QueryBuilder(const analyzers::Analyzer& analyzer, const Config& config)
    : analyzer_(analyzer), ranking_(config.ranking), index_(config.index), search_(config.search) {
  if (ranking_.news_synonyms) {
    for (std::string_view group : analyzers::spelling_groups()) add_group(group, &synonyms_);
    if (ranking_.paraphrase_weight > 0) {
      for (std::string_view group : analyzers::paraphrase_groups()) add_group(group, &paraphrases_);
    }
  }
  for (const std::string& group : ranking_.synonyms) add_group(group, &synonyms_);
}

void QueryBuilder::add_group(std::string_view group, StemGroups* groups) const {
  std::vector<std::string> stems;
  for (const std::string& word : split_words(group)) {
    std::vector<analyzers::Token> tokens;
    analyzer_.analyze(word, {}, &tokens);
    // A stop word has no stem; a word the analyzer splits (কোভিড-১৯) is not one word.
    if (tokens.size() == 1 && std::find(stems.begin(), stems.end(), tokens[0].term) == stems.end()) {
      stems.push_back(tokens[0].term);
    }
  }
  if (stems.size() < 2) return;
  for (const std::string& stem : stems) {
    auto& others = (*groups)[stem];
    for (const std::string& other : stems) {
      if (other != stem && std::find(others.begin(), others.end(), other) == others.end()) {
        others.push_back(other);
      }
    }
  }
}

std::string readable_description(const Xapian::Query& query) {
  const std::string described = query.get_description();
  std::string bytes;
  bytes.reserve(described.size());
  auto hex = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  for (size_t i = 0; i < described.size(); ++i) {
    if (described[i] == '\\' && i + 3 < described.size() && described[i + 1] == 'x' && hex(described[i + 2]) >= 0 &&
        hex(described[i + 3]) >= 0) {
      bytes.push_back(static_cast<char>(hex(described[i + 2]) * 16 + hex(described[i + 3])));
      i += 3;
    } else {
      bytes.push_back(described[i]);
    }
  }
  return word_of_term(bytes);
}

Result<ParsedQuery> QueryBuilder::parse(std::string_view text, const VariantLookup& variants,
                                        const TermFrequency& frequency) const {
  if (text.size() > static_cast<size_t>(search_.max_query_bytes)) {
    return Status::invalid_argument("query is longer than " + std::to_string(search_.max_query_bytes) +
                                    " bytes");
  }
  if (!is_valid_utf8(text)) return Status::invalid_argument("query is not valid UTF-8");
  std::vector<Lexeme> lexemes;
  if (Status s = lex(text, &lexemes); !s.is_ok()) return s;
  return QueryParserState(*this, std::move(lexemes), variants, frequency).run();
}

}  // namespace sondhan::core
