// Every term prefix of the index, in one place (Omega's conventions: one capital letter for
// standard fields, X... for our own). Changing one needs a re-index.
#pragma once

namespace sondhan::core::prefix {

inline constexpr char kId[] = "Q";          // unique article id (boolean)
inline constexpr char kTitle[] = "S";       // title words, for title: searches
inline constexpr char kSource[] = "XSRC";   // source, exact (boolean filter)
inline constexpr char kCategory[] = "XCAT"; // category, exact (boolean filter)
inline constexpr char kAuthor[] = "XA";     // each author, exact (boolean filter)
inline constexpr char kTag[] = "K";         // each tag, exact (boolean filter)
inline constexpr char kYear[] = "XY";       // publication year "2024" (boolean filter)
inline constexpr char kPrefix[] = "XP";     // sub-word fallback: leading letters of each stem
inline constexpr char kSuggest[] = "XW";   // each title word as written (canonical, unstemmed;
                                            // no stop words or numbers): completions for /suggest
inline constexpr char kLoose[] = "XL";      // synonym-table key, not a term: XL + the loose form
                                            // of a stem lists the stems spelt that loosely
// Body and title words are also indexed without a prefix: the default search field.

}  // namespace sondhan::core::prefix
