// Words Bengali news writes for the same thing, for query expansion: a reader who types
// ইসরায়েল is after the article that wrote ইসরাইল, and one who types কোভিড the one that wrote
// করোনা.
#pragma once

#include <string_view>
#include <vector>

namespace sondhan::analyzers {

/// One word in the spellings papers give it: transliterated names (ইসরাইল ইসরায়েল,
/// এরদোগান এরদোয়ান) and loanwords spelt more than one way (ভ্যাকসিন ভ্যাক্সিন). Words of a
/// group are the same word: a query matches them as one. One group per string, words
/// separated by spaces, each as written (the query builder analyzes them).
const std::vector<std::string_view>& spelling_groups();

/// Other words news uses for the same thing: a loanword and its Bengali word (এয়ারপোর্ট
/// বিমানবন্দর), two names of one country (যুক্তরাষ্ট্র আমেরিকা মার্কিন), a formal and an
/// everyday word (মরদেহ লাশ). Close, not identical, so a query weighs them below its own word.
const std::vector<std::string_view>& paraphrase_groups();

}  // namespace sondhan::analyzers
