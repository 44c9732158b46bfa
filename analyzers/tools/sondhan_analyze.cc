// sondhan-analyze: prints the index terms of each input line, the contract our evaluations use.
// One output line per input line: the terms, separated by single spaces, or an empty line.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "sondhan/analyzers/analyzer.h"

namespace {

const char* kind_name(sondhan::analyzers::TokenKind kind) {
  return kind == sondhan::analyzers::TokenKind::kNumber ? "number" : "word";
}

// --explain: one line per token with each stage, then the usual terms line.
void explain(const sondhan::analyzers::Analyzer& analyzer, const std::string& line) {
  using namespace sondhan::analyzers;
  std::vector<TokenSpan> spans;
  tokenize(line, &spans);
  for (const TokenSpan& span : spans) {
    const std::string raw = line.substr(span.begin, span.end - span.begin);
    const std::string canonical = analyzer.normalize(raw, span.kind);
    std::cout << "  [" << span.begin << "," << span.end << ") " << kind_name(span.kind) << " '"
              << raw << "' -> '" << canonical << "'";
    if (span.kind == TokenKind::kWord && analyzer.is_stopword(canonical)) {
      std::cout << " (stop word)\n";
    } else {
      std::cout << " -> '" << (span.kind == TokenKind::kWord ? analyzer.stem(canonical) : canonical)
                << "'\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Prints the sondhan index terms of each line of standard input."};
  bool explain_stages = false;
  bool keep_stopwords = false;
  bool no_stem = false;
  app.add_flag("--explain", explain_stages, "show each token's offsets, canonical form and stem");
  app.add_flag("--keep-stopwords", keep_stopwords, "do not drop stop words");
  app.add_flag("--no-stem", no_stem, "print canonical forms without stemming");
  CLI11_PARSE(app, argc, argv);

  std::ios::sync_with_stdio(false);
  const sondhan::analyzers::Analyzer analyzer;
  sondhan::analyzers::AnalyzeOptions options;
  options.keep_stopwords = keep_stopwords;
  options.stem = !no_stem;

  std::string line;
  std::vector<std::string> terms;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (explain_stages) explain(analyzer, line);
    terms = analyzer.terms(line, options);
    for (size_t i = 0; i < terms.size(); ++i) {
      if (i) std::cout << ' ';
      std::cout << terms[i];
    }
    std::cout << '\n';
  }
  return 0;
}
