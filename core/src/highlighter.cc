// Snippet selection and marking. Xapian's MSet::snippet cannot be used: it re-tokenizes with
// Xapian's word rules (not our analyzer), only knows '.', '?' and '!' as sentence ends (never
// the danda), and counts its length in bytes, a third of a Bengali sentence.
#include "sondhan/core/highlighter.h"

#include <algorithm>
#include <set>

namespace sondhan::core {
namespace {

struct Sentence {
  size_t begin, end;
};

bool is_lead_byte(unsigned char c) { return (c & 0xC0) != 0x80; }

size_t count_chars(std::string_view text, size_t begin, size_t end) {
  size_t n = 0;
  for (size_t i = begin; i < end; ++i) n += is_lead_byte(static_cast<unsigned char>(text[i]));
  return n;
}

// Byte position `chars` characters after `begin` (or `limit`).
size_t advance_chars(std::string_view text, size_t begin, size_t chars, size_t limit) {
  size_t i = begin;
  while (i < limit && chars > 0) {
    ++i;
    while (i < limit && !is_lead_byte(static_cast<unsigned char>(text[i]))) ++i;
    --chars;
  }
  return i;
}

bool is_space_at(std::string_view text, size_t i) {
  const char c = text[i];
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// Sentences end after ।, ॥, ?, !, a line break, or a '.' that is followed by a space or the end
// (so 3.5 and U.N. inside a sentence do not end it).
std::vector<Sentence> split_sentences(std::string_view text) {
  // । is E0 A5 A4 and ॥ is E0 A5 A5 in UTF-8: tested byte by byte (a string compare at every
  // position was a sixth of a search's time).
  std::vector<Sentence> out;
  size_t start = 0;
  auto close = [&](size_t end) {
    while (start < end && is_space_at(text, start)) ++start;
    if (start < end) out.push_back({start, end});
    start = end;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '?' || c == '!') {
      close(i + 1);
    } else if (c == '.' && (i + 1 == text.size() || is_space_at(text, i + 1))) {
      close(i + 1);
    } else if (c == '\xE0' && i + 2 < text.size() && text[i + 1] == '\xA5' &&
               (text[i + 2] == '\xA4' || text[i + 2] == '\xA5')) {
      i += 2;
      close(i + 1);
    }
  }
  close(text.size());
  return out;
}

}  // namespace

void append_html_escaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&': *out += "&amp;"; break;
      case '<': *out += "&lt;"; break;
      case '>': *out += "&gt;"; break;
      case '"': *out += "&quot;"; break;
      case '\'': *out += "&#39;"; break;
      default: out->push_back(c);
    }
  }
}

Highlighter::Highlighter(const analyzers::Analyzer& analyzer,
                         const std::unordered_set<std::string>& terms, HighlightOptions options)
    : analyzer_(analyzer), terms_(terms), options_(std::move(options)) {
  for (const std::string& t : terms_) {
    const uint64_t key = analyzers::word_key(t);
    word_keys_.insert(key);
    if (key == analyzers::first_char_key(key)) has_one_char_term_ = true;
    std::string loose = analyzer_.loose(t);
    if (loose != t) {
      word_keys_.insert(analyzers::word_key(loose));
      loose_.insert(std::move(loose));
    } else {
      loose_.insert(t);
    }
  }
}

std::vector<Highlighter::Match> Highlighter::find_matches(std::string_view text,
                                                         std::vector<analyzers::TokenSpan>* spans_out) const {
  // Normalizing and stemming every word of every hit is most of a search's time; a word whose
  // first two letters cannot begin any query term is skipped unanalysed.
  std::vector<analyzers::TokenSpan> local;
  std::vector<analyzers::TokenSpan>& spans = spans_out ? *spans_out : local;
  analyzers::tokenize(text, &spans);
  std::vector<Match> matches;
  for (const auto& span : spans) {
    const std::string_view raw = text.substr(span.begin, span.end - span.begin);
    const uint64_t key = analyzers::word_key(raw);
    if (!word_keys_.count(key) &&
        !(has_one_char_term_ && word_keys_.count(analyzers::first_char_key(key)))) {
      continue;
    }
    const std::string t = analyzer_.term_of(raw, span.kind);
    if (auto term = terms_.find(t); term != terms_.end()) {
      matches.push_back({span.begin, span.end, &*term});
    } else if (!loose_.empty() && !t.empty()) {
      // Spelling-fallback matches (গরীব found by গরিব) are marked too.
      if (auto loose = loose_.find(analyzer_.loose(t)); loose != loose_.end()) {
        matches.push_back({span.begin, span.end, &*loose});
      }
    }
  }
  return matches;
}

std::string Highlighter::render(std::string_view text, size_t begin, size_t end,
                                const std::vector<Match>& matches) const {
  std::string out;
  out.reserve((end - begin) + matches.size() * 16);
  size_t at = begin;
  for (const Match& m : matches) {
    // Only matches wholly inside the window (cuts fall between words, so that is all of them).
    if (m.begin < at || m.end > end) continue;
    append_html_escaped(text.substr(at, m.begin - at), &out);
    out += options_.start_tag;
    append_html_escaped(text.substr(m.begin, m.end - m.begin), &out);
    out += options_.end_tag;
    at = m.end;
  }
  append_html_escaped(text.substr(at, end - at), &out);
  return out;
}

std::string Highlighter::mark_all(std::string_view text, size_t* count) const {
  const std::vector<Match> matches = find_matches(text);
  if (count) *count = matches.size();
  return render(text, 0, text.size(), matches);
}

std::string Highlighter::snippet(std::string_view text) const {
  if (text.empty()) return {};
  std::vector<analyzers::TokenSpan> spans;
  const std::vector<Match> matches = find_matches(text, &spans);
  const std::vector<Sentence> sentences = split_sentences(text);
  if (sentences.empty()) return {};

  // Score sentences by distinct query words, then by matches; the earliest wins ties.
  size_t best = 0;
  std::pair<size_t, size_t> best_score{0, 0};
  {
    size_t m = 0;
    for (size_t s = 0; s < sentences.size(); ++s) {
      std::set<const std::string*> seen;
      size_t hits = 0;
      for (; m < matches.size() && matches[m].begin < sentences[s].end; ++m) {
        if (matches[m].begin < sentences[s].begin) continue;
        seen.insert(matches[m].term);
        ++hits;
      }
      const std::pair<size_t, size_t> score{seen.size(), hits};
      if (score > best_score) {
        best_score = score;
        best = s;
      }
    }
  }

  const size_t limit = options_.snippet_chars;
  size_t begin = sentences[best].begin;
  size_t end = sentences[best].end;
  const size_t sentence_chars = count_chars(text, begin, end);
  if (sentence_chars > limit) {
    // A long sentence: a window that starts a little before its first match.
    auto first = std::find_if(matches.begin(), matches.end(),
                              [&](const Match& m) { return m.begin >= begin; });
    if (first != matches.end() && first->begin < end &&
        count_chars(text, begin, first->begin) > limit / 3) {
      size_t from = first->begin;
      size_t back = limit / 4;
      while (from > begin && back > 0) {
        --from;
        while (from > begin && !is_lead_byte(static_cast<unsigned char>(text[from]))) --from;
        --back;
      }
      // Whole words only: start at the word that contains `from`, or the next one. Word
      // boundaries come from the tokenizer, not from spaces (scraped text often has none, or
      // no-break spaces).
      auto word = std::find_if(spans.begin(), spans.end(),
                               [&](const analyzers::TokenSpan& t) { return t.end > from; });
      if (word != spans.end() && word->begin >= begin && word->begin < first->begin + 1) from = word->begin;
      begin = from;
    }
    size_t cut = advance_chars(text, begin, limit, end);
    if (cut < end) {
      // End after the last whole word that fits.
      size_t word_end = 0;
      for (const auto& t : spans) {
        if (t.end > cut) break;
        if (t.begin >= begin) word_end = t.end;
      }
      if (word_end > begin) cut = word_end;
    }
    end = cut;
  } else {
    // Add the following sentences while they fit.
    size_t chars = sentence_chars;
    for (size_t s = best + 1; s < sentences.size(); ++s) {
      chars += count_chars(text, end, sentences[s].end);
      if (chars > limit) break;
      end = sentences[s].end;
    }
  }
  while (end > begin && is_space_at(text, end - 1)) --end;

  std::string out;
  const bool at_sentence_start =
      std::any_of(sentences.begin(), sentences.end(), [&](const Sentence& s) { return s.begin == begin; });
  const bool at_sentence_end =
      end == text.size() ||
      std::any_of(sentences.begin(), sentences.end(), [&](const Sentence& s) { return s.end == end; });
  if (!at_sentence_start) out += options_.ellipsis;
  out += render(text, begin, end, matches);
  if (!at_sentence_end) out += options_.ellipsis;
  return out;
}

}  // namespace sondhan::core
