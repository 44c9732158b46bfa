// How a database was built: everything that decides its terms. The writer stores it in the
// database; a reader or writer whose own differs refuses the database rather than search or
// extend it with terms it was not built with.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sondhan/core/config.h"
#include "sondhan/core/status.h"

namespace sondhan::core {

/// The index layout's version: bumped by any change to the terms, values or data a document
/// gets for the same article and analyzer (document_builder.cc, index_layout.h).
inline constexpr int kIndexFormatVersion = 9;  // 3: fingerprints, band terms, story keys; 4: month terms;
                                               // 5: no band terms (the writer keeps the bands);
                                               // 6: words spelt one byte a letter (word_terms.h);
                                               // 7: written-out thousands as XN terms;
                                               // 8: index.positions, "table" or "compact"
                                               //    (a value an article: word_positions.h);
                                               // 9: records compressed with zstd in a value
                                               //    (record_store.h), not the data; undated
                                               //    articles get a sort value (the lowest)
/// The oldest layout read and extended as this one (then the writer rewrites the manifest as
/// kIndexFormatVersion). Formats 7 and 8 keep records as the document's data, which readers
/// still read (record_store.h); format 7 is format 8 with index.positions "table"; format 6 has no XN
/// terms, so a query of 5820 would miss ৫ হাজার ৮২০ there: rebuild.
inline constexpr int kOldestCompatibleFormat = 7;

struct Manifest {
  int format_version = 0;
  int analyzer_version = 0;  // analyzers::kAnalyzerVersion
  std::string schema;        // the schema's fields, kinds, prefixes and slots, as one string
  int title_weight = 0;      // index.title_weight
  int prefix_letters = 0;    // index.prefix_letters
  std::string positions = "table";  // index.positions (format 7 has none: "table")
  std::map<std::string, std::vector<std::string>> fields;  // [fields]: input names (for the record)

  /// JSON, as stored.
  std::string to_json() const;
  /// kInvalidArgument if `json` is not a manifest.
  static Result<Manifest> from_json(const std::string& json);
};

/// What this binary, with this configuration, builds.
Manifest current_manifest(const Config& config);

/// The index.positions a database is read and written with: `configured`, unless it is "auto":
/// then the one the database was built with (`stored`, its manifest), or for a database without
/// one (a new or empty one) "compact".
std::string positions_in_use(const std::string& configured, const Manifest* stored);

/// Who is asking: a reader needs the same terms; a writer also the same term weights.
enum class ManifestUse { kRead, kWrite };

/// The differences that make `stored` unusable for `use` by a binary that builds `current`,
/// one sentence each; empty when it can be used. The input names of [fields] never matter
/// (records are stored under the canonical names).
std::vector<std::string> manifest_differences(const Manifest& stored, const Manifest& current, ManifestUse use);

/// The message for a refused database: what differs, and how to rebuild it.
std::string manifest_refusal(const std::string& db_path, const std::vector<std::string>& differences);

}  // namespace sondhan::core
