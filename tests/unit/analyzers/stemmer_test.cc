#include <catch2/catch.hpp>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/analyzers/xapian_stemmer.h"

using sondhan::analyzers::Analyzer;
using sondhan::analyzers::BengaliStemmer;

namespace {
std::string stem(const std::string& w) {
  static const Analyzer a;
  return a.stem(a.normalize(w));
}
void all_meet(std::initializer_list<std::string> words) {
  const std::string first = stem(*words.begin());
  for (const auto& w : words) {
    INFO(w);
    CHECK(stem(w) == first);
  }
}
}  // namespace

TEST_CASE("case endings after vowel-final names: -র, -য়, -কে, -তে", "[analyzers][stemmer]") {
  all_meet({"কোরিয়া", "কোরিয়ার", "কোরিয়ায়", "কোরিয়াকে"});
  all_meet({"ঢাকা", "ঢাকার", "ঢাকায়", "ঢাকাতে"});
  all_meet({"প্রধানমন্ত্রী", "প্রধানমন্ত্রীর", "প্রধানমন্ত্রীকে"});
}

TEST_CASE("plurals and their cases", "[analyzers][stemmer]") {
  all_meet({"সেনা", "সেনারা", "সেনাদের", "সেনারাও"});
  all_meet({"শিক্ষার্থী", "শিক্ষার্থীরা", "শিক্ষার্থীদের"});
  all_meet({"কৃষক", "কৃষকেরা", "কৃষকরা", "কৃষকদের"});
  all_meet({"দল", "দলগুলো", "দলগুলোর", "দলের", "দলটির"});
}

TEST_CASE("classifiers and emphatics", "[analyzers][stemmer]") {
  all_meet({"ম্যাচ", "ম্যাচটি", "ম্যাচটির"});
  all_meet({"এক", "একটি", "একটা", "একখানা"});
  all_meet({"আজ", "আজই"});
  all_meet({"বাংলাদেশ", "বাংলাদেশের", "বাংলাদেশে", "বাংলাদেশও"});
}

TEST_CASE("words ending like a suffix keep their forms together", "[analyzers][stemmer]") {
  all_meet({"সরকার", "সরকারের", "সরকারকে", "সরকারে"});
  all_meet({"সংসদ", "সংসদের", "সংসদে"});
  all_meet({"সড়ক", "সড়কের", "সড়কে"});
  all_meet({"ভারত", "ভারতের", "ভারতে"});
  all_meet({"বিষয়", "বিষয়ে", "বিষয়ের"});
}

TEST_CASE("the postposition -সহ written joined", "[analyzers][stemmer]") {
  all_meet({"ইয়াবা", "ইয়াবাসহ"});
  all_meet({"সাবরিনা", "সাবরিনাসহ"});
  all_meet({"ঢাকা", "ঢাকাসহ"});
  CHECK(stem("দুঃসহ") == "দুঃসহ");  // "unbearable": the word itself ends so
}

TEST_CASE("verb forms meet", "[analyzers][stemmer]") {
  all_meet({"বলেছেন", "বলেন", "বললেন", "বলছেন"});
  all_meet({"করেছে", "করেছেন", "করবে", "করছে", "করতে"});
  all_meet({"জানিয়েছেন", "জানাবে", "জানাচ্ছে", "জানালেন"});
  all_meet({"রেখেছে", "রাখবে", "রাখেন"});
}

TEST_CASE("look-alikes stay apart", "[analyzers][stemmer]") {
  CHECK(stem("হাত") != stem("হাতি"));
  CHECK(stem("মাছ") != stem("মাছি"));
  CHECK(stem("বাংলা") != stem("বাংলো"));
  CHECK(stem("দিন") != stem("দীন"));
  CHECK(stem("কাদা") != stem("কাঁদা"));
  CHECK(stem("সময়") != stem("সম"));
  CHECK(stem("বিষয়") != stem("বিষ"));
  CHECK(stem("আদায়") != stem("আদা"));
  CHECK(stem("মাটি") != stem("মা"));
  CHECK(stem("কোটি") != stem("কো"));
  // Words that end in -রা or -রার by nature are not plurals cut down to a stub.
  CHECK(stem("আবরার") != stem("আবে"));  // the name Abrar, not Abe
  CHECK(stem("সেরা") == "সেরা");       // "best", not স
  CHECK(stem("বেরিয়ে") != "ব");
  all_meet({"আবরার", "আবরারের", "আবরারকে"});
  all_meet({"ফেরা", "ফেরার", "ফেরানো", "ফেরায়"});
  all_meet({"ডেমরা", "ডেমরার", "ডেমরায়"});
}

TEST_CASE("spelling variants meet", "[analyzers][stemmer]") {
  CHECK(stem("সরকারি") == stem("সরকারী"));
  CHECK(stem("দেওয়া") == stem("দেয়া"));
  CHECK(stem("ব্যাংক") == stem("ব্যাঙ্ক"));
  CHECK(stem("কারণে") == stem("কারনে"));
  CHECK(stem("শ্রেণি") == stem("শ্রেণী"));
  CHECK(stem("হঠাৎ") == stem("হঠাত"));
}

TEST_CASE("Latin words pass through, the stemmer is a Xapian::StemImplementation", "[analyzers][stemmer]") {
  CHECK(stem("Dhaka") == "dhaka");
  Xapian::Stem xs(new sondhan::analyzers::XapianBengaliStemmer);
  CHECK(xs("কোরিয়ার") == "কোরিয়া");
  CHECK(xs.get_description().find("sondhan_bengali") != std::string::npos);
}

TEST_CASE("a consonant with independent উ is the vowel sign ৌ", "[analyzers][stemmer]") {
  all_meet({"সৌদি", "সউদি", "সউদী", "সৌদির", "সউদিতে"});
  all_meet({"বউ", "বৌ"});
  CHECK(stem("উত্তর") == "উত্তর");  // a word-initial উ is a vowel of its own
}

TEST_CASE("the loose key joins spelling variants of longer words only", "[analyzers][stemmer]") {
  static const Analyzer a;
  auto loose = [&](const std::string& w) { return a.loose(stem(w)); };
  CHECK(loose("গরীব") == loose("গরিব"));
  CHECK(loose("কোরবানি") == loose("কুরবানির"));
  CHECK(loose("আযহার") == loose("আজহা"));
  CHECK(loose("পেঁয়াজ") == loose("পেয়াজ"));
  CHECK(loose("ফিলিস্তিনী") == loose("ফিলিস্তিন"));
  // Short words, where look-alikes are, keep their own key.
  CHECK(loose("দিন") != loose("দীন"));
  CHECK(loose("কাদা") != loose("কাঁদা"));
  CHECK(loose("মাছ") != loose("মাছি"));
  CHECK(loose("হাত") != loose("হাতি"));
  CHECK(loose("আশা") != loose("আসা"));
  // The stems themselves stay apart whatever the loose key says.
  CHECK(stem("গরীব") != stem("গরিব"));
}

TEST_CASE("vowel-final verb roots meet across their stem changes", "[analyzers][stemmer]") {
  all_meet({"দিয়েছে", "দিয়েছেন", "দেবে", "দিচ্ছে", "দেন", "দিলেন", "দিতে", "দেয়"});
  all_meet({"নিয়েছে", "নেবে", "নিচ্ছে", "নেন", "নিলেন", "নিতে"});
  all_meet({"পেয়েছে", "পাবে", "পেয়েছিল", "পাওয়া"});
  all_meet({"যাবে", "যাচ্ছে", "যায়", "যেতে", "যাওয়া"});
  all_meet({"দিয়েছেন", "দেওয়া", "দেয়া"});
  // Verbal nouns, not bare roots, so the homographs stay apart.
  CHECK(stem("পা") != stem("পাবে"));     // foot / will get
  CHECK(stem("পায়ে") != stem("পাবে"));
  CHECK(stem("চা") != stem("চাই"));      // tea / want
  CHECK(stem("রেডি") != stem("রেডিও"));  // ready / radio
}
