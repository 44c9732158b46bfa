#include <catch2/catch.hpp>

#include "sondhan/analyzers/normalizer.h"

using sondhan::analyzers::Normalizer;
using sondhan::analyzers::TokenKind;

namespace {
std::string norm(const std::string& s, TokenKind kind = TokenKind::kWord) {
  static const Normalizer n;
  std::string out;
  n.normalize_token(s, kind, &out);
  return out;
}
}  // namespace

TEST_CASE("nukta letters: precomposed and decomposed meet", "[analyzers][normalizer]") {
  CHECK(norm("\u09DF") == "\u09AF\u09BC");              // য়
  CHECK(norm("\u09DC") == "\u09A1\u09BC");              // ড়
  CHECK(norm("\u09DD") == "\u09A2\u09BC");              // ঢ়
  CHECK(norm("কোরি\u09DFা") == norm("কোরি\u09AF\u09BCা"));
}

TEST_CASE("two-part vowel signs compose", "[analyzers][normalizer]") {
  CHECK(norm("\u0995\u09C7\u09BE") == "\u0995\u09CB");  // কো
  CHECK(norm("\u0995\u09C7\u09D7") == "\u0995\u09CC");  // কৌ
  CHECK(norm("\u0985\u09BE") == "\u0986");              // অ + া -> আ
}

TEST_CASE("khanda ta: ত্ + ZWJ becomes ৎ", "[analyzers][normalizer]") {
  CHECK(norm("উত\u09CD\u200Dসব") == "উৎসব");
  CHECK(norm("বিদ্যুত\u09CD\u200D") == "বিদ্যুৎ");
}

TEST_CASE("zero-width characters and soft hyphen are removed", "[analyzers][normalizer]") {
  CHECK(norm("র\u200D্যাব") == "র্যাব");
  CHECK(norm("র\u200C্যাব") == "র্যাব");
  CHECK(norm("হ\u200Cয়ে\u200Cছে") == norm("হয়েছে"));
  CHECK(norm("আল\u00ADাহ") == "আলাহ");
  CHECK(norm("\uFEFFঢাকা") == "ঢাকা");
  CHECK(norm("ঢা\u200Bকা") == "ঢাকা");
}

TEST_CASE("digits fold to ASCII, grouping commas go", "[analyzers][normalizer]") {
  CHECK(norm("২০২০", TokenKind::kNumber) == "2020");
  CHECK(norm("১২,৫০০", TokenKind::kNumber) == "12500");
  CHECK(norm("12,500", TokenKind::kNumber) == "12500");
  CHECK(norm("৩.৫", TokenKind::kNumber) == "3.5");
}

TEST_CASE("Latin is case-folded, Bengali untouched", "[analyzers][normalizer]") {
  CHECK(norm("BNP") == "bnp");
  CHECK(norm("Dhaka") == "dhaka");
  CHECK(norm("ÉCOLE") == "école");
  CHECK(norm("নির্বাচন") == "নির্বাচন");  // conjuncts are not mangled
}
