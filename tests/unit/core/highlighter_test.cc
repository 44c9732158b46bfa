#include <catch2/catch.hpp>

#include "sondhan/core/highlighter.h"

using namespace sondhan::core;

namespace {
// `text` with the matches of `query`'s words marked, as a search for `query` would show it.
std::string marks(const std::string& query, const std::string& text) {
  static const sondhan::analyzers::Analyzer a;
  std::unordered_set<std::string> terms;
  for (const std::string& t : a.terms(query)) terms.insert(t);
  return Highlighter(a, terms, {}).mark_all(text);
}
}  // namespace

TEST_CASE("inflected forms are marked in the original text", "[core][highlight]") {
  const sondhan::analyzers::Analyzer a;
  const std::unordered_set<std::string> terms = {a.stem(a.normalize("কোরিয়া"))};
  const Highlighter h(a, terms, {});
  CHECK(h.mark_all("উত্তর কোরিয়ার নেতা") == "উত্তর <mark>কোরিয়ার</mark> নেতা");
  // Decomposed input is marked byte-exactly as it was written.
  CHECK(h.mark_all("কোরি\u09AF\u09BCায়") == "<mark>কোরি\u09AF\u09BCায়</mark>");
}

TEST_CASE("snippets pick the best sentence, end at a danda and escape HTML", "[core][highlight]") {
  const sondhan::analyzers::Analyzer a;
  const std::unordered_set<std::string> terms = {a.stem(a.normalize("সেনা")), a.stem(a.normalize("কোরিয়া"))};
  HighlightOptions opts;
  opts.snippet_chars = 60;
  const Highlighter h(a, terms, opts);
  const std::string text = "প্রথম বাক্যে কিছু নেই <b>। কোরিয়ার সেনারা যুদ্ধ করছে। শেষ বাক্য।";
  const std::string s = h.snippet(text);
  CHECK(s.find("<mark>কোরিয়ার</mark> <mark>সেনারা</mark>") == 0);
  CHECK(s.find("<b>") == std::string::npos);
  CHECK(h.mark_all("a <b> & c") == "a &lt;b&gt; &amp; c");
}

TEST_CASE("a long sentence is cut at word boundaries around the match", "[core][highlight]") {
  const sondhan::analyzers::Analyzer a;
  const std::unordered_set<std::string> terms = {"সেনা"};
  HighlightOptions opts;
  opts.snippet_chars = 40;
  const Highlighter h(a, terms, opts);
  std::string text;
  for (int i = 0; i < 30; ++i) text += "শব্দ ";
  text += "সেনা ";
  for (int i = 0; i < 30; ++i) text += "শব্দ ";
  const std::string s = h.snippet(text);
  CHECK(s.find("<mark>সেনা</mark>") != std::string::npos);
  CHECK(s.rfind("…", 0) == 0);
  CHECK(s.find("শব্দ শব্দ") != std::string::npos);
}

TEST_CASE("words whose first letter changes in analysis are still marked", "[core][highlight]") {
  CHECK(marks("আসবেন", "তিনি এসেছেন") == "তিনি <mark>এসেছেন</mark>");
  CHECK(marks("স্টেশন", "ষ্টেশনে ভিড়") == "<mark>ষ্টেশনে</mark> ভিড়");
  CHECK(marks("2023", "২০২৩ সালে") == "<mark>২০২৩</mark> সালে");
  CHECK(marks("bnp", "BNP নেতা") == "<mark>BNP</mark> নেতা");
  CHECK(marks("কারণ", "কারনে দেরি") == "<mark>কারনে</mark> দেরি");
  CHECK(marks("ঙ্ক", "ঙ্ক") == "<mark>ঙ্ক</mark>");  // ঙ্ক is folded to ংক (found by fuzzing)
}

TEST_CASE("snippets of text without ASCII spaces stay short and whole-word", "[core][highlight]") {
  // Scraped news often separates words with no-break spaces (U+00A0).
  const sondhan::analyzers::Analyzer a;
  const std::unordered_set<std::string> terms = {a.stem(a.normalize("ঢাকা"))};
  HighlightOptions opts;
  opts.snippet_chars = 240;
  const Highlighter h(a, terms, opts);
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "ঢাকায়\u00A0";
  const std::string s = h.snippet(text);
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  CHECK(chars < 240 + 40 * 13);  // the text plus <mark></mark> tags
  CHECK(s.find("<mark>ঢাকায়</mark>") != std::string::npos);
  CHECK(s.find("<mark>ঢাকা</mark>") == std::string::npos);  // never a word cut in two
}

TEST_CASE("without terms, a snippet is the opening cut at a word boundary", "[core][highlight]") {
  const sondhan::analyzers::Analyzer a;
  const std::unordered_set<std::string> none;
  HighlightOptions opts;
  opts.snippet_chars = 30;
  const Highlighter h(a, none, opts);
  const std::string s = h.snippet("প্রথম আলোর খবর অনুযায়ী সরকারি সহায়তা দেওয়া হবে এবং আরও অনেক কিছু");
  CHECK(s.rfind("প্রথম", 0) == 0);
  CHECK(s.find("<mark>") == std::string::npos);
  CHECK(s.size() >= 3);
  CHECK(s.substr(s.size() - 3) == "…");
  CHECK(s.find("\xEF\xBF\xBD") == std::string::npos);  // no broken character
}

TEST_CASE("spelling-fallback matches are marked", "[core][highlight]") {
  CHECK(marks("গরিব কোরবানি", "গরীব মানুষের কুরবানির পশু") == "<mark>গরীব</mark> মানুষের <mark>কুরবানির</mark> পশু");
}

TEST_CASE("precomposed and decomposed য় are marked alike", "[core][highlight]") {
  CHECK(marks("ভয়", "ভ\u09DFের কথা") == "<mark>ভ\u09DFের</mark> কথা");
  CHECK(marks("ভয়", "ভ\u09AF\u09BCের কথা") == "<mark>ভ\u09AF\u09BCের</mark> কথা");
}
