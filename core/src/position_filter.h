// Phrases and proximity over the positions value of each document (word_positions.h), since the
// index keeps no positions in Xapian: OP_PHRASE and OP_NEAR of Xapian would match nothing.
//
// positional_query() gives the query the rest of core uses: the words' AND (which weighs a
// match exactly as Xapian's OP_PHRASE and OP_NEAR do, by the sum of the words' weights),
// filtered by a PositionFilter, a boolean PostingSource that keeps the documents whose
// positions fit. Xapian asks the filter mostly with check(), for documents that have every word
// already; when it leads the AND, the filter walks the words' posting lists itself.
#pragma once

#include <string>
#include <vector>

#include <xapian.h>

namespace sondhan::core {

enum class Proximity {
  kPhrase,  // in the given order (OP_PHRASE)
  kNear,    // in any order (OP_NEAR)
};

/// `words` (UTF-8 stems) under text field prefix `prefix` ("" for every text field), within
/// `window` positions, as `how` says. A single word is just its term.
Xapian::Query positional_query(Proximity how, const std::vector<std::string>& words, Xapian::termcount window,
                               std::string_view prefix = {});

}  // namespace sondhan::core
