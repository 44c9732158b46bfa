// Bengali number words as the digits news text prints them: a reader who types তিন পুলিশ or
// চৌদ্দটি গরু is after the article that says ৩ পুলিশ or ১৪টি গরু.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sondhan::analyzers {

/// The value in ASCII digits (the term the analyzer makes of ৩ and of 3) of a number word's
/// term, or "" when the term is not one: the cardinals 2 to 99 in their usual spellings, alone
/// or with a counting word (পাঁচজন, চৌদ্দটি, দশটা), and hundreds (দুইশ, বারোশো, একশো). Left out:
/// এক, which is mostly "a" (একটি, একজন), and words that are also something else (নয় "is
/// not", বার "time", ন, ছ). `term` is an Analyzer term (normalized and stemmed).
/// Thread safety: safe; the table is built once, on first use.
std::string number_value(std::string_view term);

/// The terms of a number from 1,000 to 99,999 written as news text often writes it, in
/// thousands and the rest (5820: ৫ হাজার ৮২০, 11000: ১১ হাজার), or none for any other term and
/// for years (1900 to 2099), which are printed in digits.
/// `term` is an Analyzer term of digits (5820; ৫,৮২০ and ৫৮২০ give the same).
std::vector<std::string> thousands_terms(std::string_view term);

/// The reverse of thousands_terms(): the numbers (ASCII digits) that three neighbouring terms
/// of a text write out, `rest` empty when there is no third: ৫ হাজার gives 5000, and ৫ হাজার ৮২০
/// gives 5000 and 5820 (a query of 5000 finds ৫ হাজার whatever follows). None when `count` and
/// `thousand` are not a number in the thousands and হাজার, or the number is a year.
std::vector<std::string> spoken_thousands(std::string_view count, std::string_view thousand, std::string_view rest);

}  // namespace sondhan::analyzers
