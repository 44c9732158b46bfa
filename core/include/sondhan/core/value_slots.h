// Every value slot of the index, in one place (Omega's values.h). Changing one needs a re-index.
#pragma once

#include <xapian.h>

namespace sondhan::core::slot {

inline constexpr Xapian::valueno kDate = 0;       // "YYYYMMDD" (the article's own calendar date)
inline constexpr Xapian::valueno kTimestamp = 1;  // sortable_serialise(seconds since epoch, UTC)
inline constexpr Xapian::valueno kSource = 2;     // source, as written (facet)
inline constexpr Xapian::valueno kCategory = 3;   // category, as written (facet)
inline constexpr Xapian::valueno kAuthors = 4;    // authors joined by kListSeparator (facet)
inline constexpr Xapian::valueno kTags = 5;       // tags joined by kListSeparator (facet)
inline constexpr Xapian::valueno kYear = 6;       // "YYYY" (facet)
inline constexpr Xapian::valueno kMonth = 7;      // "YYYY-MM" (facet)

/// Separates the entries of a multi-valued slot; U+001F (unit separator) never occurs in text.
inline constexpr char kListSeparator = '\x1f';

}  // namespace sondhan::core::slot
