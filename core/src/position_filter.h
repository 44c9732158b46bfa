// Phrase and proximity matching over the articles' stored word positions (word_positions.h), for
// databases built with index.positions = "compact": their position table is empty, so Xapian's
// OP_PHRASE and OP_NEAR would find nothing.
#pragma once

#include <string_view>

#include <xapian.h>

#include "word_positions.h"

namespace sondhan::core {

/// Articles with every word of `pattern` (each as its term with `field_prefix`), standing as the
/// pattern says: the words' own query, weighted as Xapian weighs a phrase (the words' weights),
/// filtered by a check of each candidate's positions. `pattern.field` should be the field whose
/// prefix is `field_prefix` (or -1 with no prefix).
Xapian::Query positions_query(PositionPattern pattern, std::string_view field_prefix);

/// The filter alone, with no weight: the articles with every word (as terms with `field_prefix`)
/// whose positions match. positions_query() is this ANDed with the words' own query.
Xapian::Query positions_filter(PositionPattern pattern, std::string_view field_prefix);

}  // namespace sondhan::core
