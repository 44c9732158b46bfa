// The parts of the index layout that belong to no single field (those are in schema.h): the
// prefixes of derived terms and table keys, how multi-valued slots are joined, how text fields
// are laid out in positions. Changing one needs a re-index (and a new format version).
#pragma once

#include <xapian.h>

namespace sondhan::core {

namespace prefix {
inline constexpr char kPrefix[] = "XP";    // sub-word fallback: leading letters of each stem
inline constexpr char kSuggest[] = "XW";   // each word of a suggesting field as written
                                           //   (canonical, unstemmed; no stop words or numbers)
inline constexpr char kSpoken[] = "XN";    // a number in the thousands as the text writes it
                                           //   out (৫ হাজার ৮২০: XN5000 and XN5820)
inline constexpr char kLoose[] = "XL";     // synonym-table key, not a term: XL + the loose form
                                           //   of a stem lists the stems spelt that loosely
// Words of every text field are also indexed without a prefix: the default search field.
}  // namespace prefix

/// The metadata key under which a database keeps its Manifest (manifest.h), as JSON.
inline constexpr char kManifestKey[] = "sondhan.manifest";

/// The metadata key under which each shard counts the commits that replaced an article in place
/// (an upsert of an id the shard held, under the same docid, so that its values may differ).
/// Nothing else changes a value a facet reads: a commit that only adds, deletes, regroups stories
/// or records metadata leaves every existing docid's facet values as they were, so facet
/// columns (facet_columns.h) stay valid across it. Absent in shards no writer of format 5 or
/// later has committed.
inline constexpr char kReplacedKey[] = "sondhan.replaced";

/// The metadata key under which each shard counts the commits that gave articles it already held
/// another story key (an earlier article of a story gets its key when its first copy comes; a
/// story is regrouped when one of its articles changes or goes). With kReplacedKey unchanged too,
/// every existing docid's story key is as it was: the searcher's story columns stay valid. Absent
/// in shards no writer has committed since it was introduced.
inline constexpr char kRegroupedKey[] = "sondhan.regrouped";

/// Separates the entries of a multi-valued slot; U+001F (unit separator) never occurs in text.
inline constexpr char kListSeparator = '\x1f';

/// Positions left empty between two text fields, so that no phrase spans them.
inline constexpr Xapian::termpos kFieldPositionGap = 100;

/// Xapian's glass backend refuses terms longer than 245 bytes.
inline constexpr size_t kMaxXapianTermBytes = 245;

}  // namespace sondhan::core
