// Bengali stop words.
//
// Source: written for sondhan from the function-word classes of Bengali grammar (pronouns and
// their case forms, postpositions, conjunctions, negation and emphasis particles, the copula and
// existential verbs হ-/আছ-/ছিল), then checked against the most frequent tokens of a news corpus.
// Lucene's list (Savoy's CLEF list, used by Elasticsearch's `bengali` analyzer) was the starting
// point for comparison only; we deliberately leave out its content words, because news queries
// need them: উত্তর (north; answer), হাজার and কোটি (numbers in every budget story), নতুন, প্রথম,
// কাজ, দিন, সাধারণ, and we drop its misspellings (জ্নজন, পেয়্র্). Verbs with meaning (করা, বলা,
// জানানো) stay searchable: "হত্যা করা" and "বলেছেন" are real query words.
// Words are written in their usual spelling; StopWords canonicalises them at start-up.
#include "sondhan/analyzers/stopwords.h"

#include <array>

namespace sondhan::analyzers {
namespace {

constexpr std::array kStopWords = {
    // Personal pronouns and their case forms.
    "আমি", "আমার", "আমাকে", "আমরা", "আমাদের", "আমাদেরকে", "তুমি", "তোমার", "তোমাকে", "তোমরা",
    "তোমাদের", "আপনি", "আপনার", "আপনাকে", "আপনারা", "আপনাদের", "সে", "তার", "তাকে", "তারা",
    "তাদের", "তাদেরকে", "তিনি", "তাঁর", "তাঁকে", "তাঁরা", "তাঁদের", "উনি", "ওনার", "ওনাকে", "ইনি",
    "এঁর", "নিজে", "নিজের", "নিজেকে", "নিজেরা", "নিজেদের",
    // Demonstratives and relatives.
    "এ", "এই", "এটা", "এটি", "এর", "একে", "এরা", "এদের", "এসব", "ওই", "ঐ", "ওটা", "ওটি", "ওর", "ওরা",
    "ওদের", "সেই", "সেটা", "সেটি", "সেসব", "সেখানে", "এখানে", "যেখানে", "যে", "যা", "যার", "যাকে",
    "যারা", "যাদের", "যিনি", "যাঁর", "যাঁরা", "যেটা", "যেটি",
    // Interrogatives and indefinites.
    "কে", "কী", "কি", "কার", "কাকে", "কারা", "কোন", "কোনো", "কোনও", "কেউ", "কিছু", "কেন", "কিভাবে",
    "কীভাবে", "কোথায়", "কখন", "কবে", "কত", "কতটা",
    // Quantifiers that never make a topic.
    "সব", "সবাই", "সকল", "সমস্ত", "অনেক", "অনেকে", "বেশ", "আরও", "আরো", "খুব", "অন্য", "অন্যান্য",
    // Postpositions.
    "থেকে", "হতে", "দিয়ে", "দিয়া", "নিয়ে", "জন্য", "জন্যে", "কাছে", "মধ্যে", "মাঝে", "সঙ্গে", "সাথে",
    "প্রতি", "দ্বারা", "কর্তৃক", "মতো", "মত", "পর্যন্ত", "চেয়ে", "চাইতে", "হিসেবে", "হিসাবে",
    "উপর", "ওপর", "ভেতরে", "ভিতরে",
    // Conjunctions and discourse words.
    "এবং", "ও", "আর", "কিন্তু", "তবে", "অথবা", "বা", "কিংবা", "নাকি", "যদি", "তাহলে", "তবু", "তবুও",
    "যদিও", "যেমন", "অর্থাৎ", "সুতরাং", "তাই", "বরং", "এমনকি", "যেন", "তো", "তখন", "যখন",
    "এখন", "এমন", "তেমন", "এত", "এতো", "শুধু", "কেবল", "মাত্র", "প্রায়", "ইত্যাদি",
    // Negation.
    "না", "নি", "নেই", "নয়", "নাই",
    // The copula and existential verbs.
    "হয়", "হয়ে", "হয়েছে", "হয়েছিল", "হয়েছেন", "হচ্ছে", "হবে", "হবেন", "হলো", "হল", "হলে", "হতো",
    "হওয়া", "হওয়ার", "ছিল", "ছিলো", "ছিলেন", "ছিলাম", "আছে", "আছেন", "রয়েছে", "রয়েছেন",
};

}  // namespace

StopWords::StopWords(const Normalizer& normalizer) {
  std::string canonical;
  for (std::string_view word : kStopWords) {
    normalizer.normalize_token(word, TokenKind::kWord, &canonical);
    words_.insert(canonical);
  }
}

bool StopWords::contains(std::string_view word) const {
  return words_.find(word) != words_.end();
}

}  // namespace sondhan::analyzers
