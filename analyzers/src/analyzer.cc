// The analysis pipeline: tokenizer -> normalizer -> stop words -> stemmer.
#include "sondhan/analyzers/analyzer.h"

namespace sondhan::analyzers {

Analyzer::Analyzer() : stopwords_(normalizer_) {}

void truncate_term(std::string* term) {
  if (term->size() <= kMaxTermBytes) return;
  size_t cut = kMaxTermBytes;
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character boundary.
  while (cut > 0 && (static_cast<unsigned char>((*term)[cut]) & 0xC0) == 0x80) --cut;
  term->resize(cut);
}

void Analyzer::analyze(std::string_view text, const AnalyzeOptions& options,
                       std::vector<Token>* out) const {
  std::vector<TokenSpan> spans;
  spans.reserve(text.size() / 12);
  tokenize(text, &spans);

  std::string canonical;
  uint32_t position = 0;
  for (const TokenSpan& span : spans) {
    ++position;
    normalizer_.normalize_token(text.substr(span.begin, span.end - span.begin), span.kind,
                                &canonical);
    if (canonical.empty()) continue;
    if (span.kind == TokenKind::kWord && !options.keep_stopwords && stopwords_.contains(canonical)) {
      continue;
    }
    Token token;
    token.term = options.stem && span.kind == TokenKind::kWord ? stemmer_.stem(canonical)
                                                               : canonical;
    truncate_term(&token.term);
    token.begin = span.begin;
    token.end = span.end;
    token.position = position;
    token.kind = span.kind;
    out->push_back(std::move(token));
  }
}

std::vector<std::string> Analyzer::terms(std::string_view text, const AnalyzeOptions& options) const {
  std::vector<Token> tokens;
  analyze(text, options, &tokens);
  std::vector<std::string> result;
  result.reserve(tokens.size());
  for (Token& t : tokens) result.push_back(std::move(t.term));
  return result;
}

std::string Analyzer::normalize(std::string_view word, TokenKind kind) const {
  std::string canonical;
  normalizer_.normalize_token(word, kind, &canonical);
  return canonical;
}

}  // namespace sondhan::analyzers
