// The one table of an article's fields. Everything that knows about a field reads it from
// here: the record parser, the document builder (terms, values), the searcher (filters,
// facets, what a hit shows), the query language's field: names, the server's parameters, the
// configuration's input names and the API docs' field table. Adding a field is adding a row.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sondhan::core {

enum class FieldKind {
  kId,           // the article's unique id (a string, or an integer written as one)
  kText,         // words, analyzed for free-text search
  kKeyword,      // one exact value (a string)
  kKeywordList,  // exact values (a list of strings; a single string where allowed)
  kDate,         // an ISO 8601 date or date-time
  kStored,       // kept with the record and shown, not indexed (a string)
  kYear,         // the date's year "2024": derived, no input of its own
  kMonth,        // the date's month "2024-03": derived
};

/// One field. Names are ASCII. A field with no `prefix` has no terms of its own; a field with
/// `slot` < 0 has no value slot.
struct Field {
  std::string_view name;              // its key in records and hits
  FieldKind kind = FieldKind::kStored;
  std::string_view filter_name = "";  // request parameter, query-language field (name:value) and
                                      //   facet name, when filterable or faceted (tags: "tag")
  std::string_view prefix = "";       // term prefix (Omega's conventions): the id term, field:
                                      //   words of a text field, exact filter terms
  int slot = -1;                      // Xapian value slot: facet values; the date's "YYYYMMDD"
  int sort_slot = -1;                 // the date's sort key (seconds since the epoch)
  int text_weight = 1;                // kText: within-document frequency per word (0: the
                                      //   configuration's index.title_weight)
  bool filter = false;                // exact filter: request parameter and name:value in queries
  bool facet = false;                 // its values can be counted (facets=)
  bool show = false;                  // returned with each hit
  bool single_string_ok = false;      // kKeywordList: a plain string is one value (author)
  bool suggest = false;               // kText: its words, as written, complete /suggest queries
  std::string_view description = "";  // one line for the API docs
};

/// The table, in the order fields are read and written (text fields in this order in positions).
const std::vector<Field>& schema();

/// Story grouping (fingerprint.h, story_grouper.h): slots and prefixes outside the field table.
/// The story key: the id of the story's first article, on every article of a story of two or
/// more; empty for an article without copies. Search collapses on it.
inline constexpr int kStoryKeySlot = 9;
/// The body's fingerprint and the article's id (encode_fingerprint).
inline constexpr int kFingerprintSlot = 10;
/// Where the text fields' words stand, for phrases and proximity (core/src/word_positions.h).
inline constexpr int kPositionsSlot = 11;
/// The stored record, compressed (core/src/record_store.h); formats before 9 kept it as the
/// document's data.
inline constexpr int kRecordSlot = 12;
/// + story key: a boolean term on every article of the story but its first (story_terms).
inline constexpr char kStoryPrefix[] = "XSTORY";

/// The row named `name`, or null.
const Field* find_field(std::string_view name);

/// The row whose filter_name is `filter_name`, or null.
const Field* find_filter(std::string_view filter_name);

/// A row's place in schema() (Article keeps values by it).
size_t field_index(const Field& field);

/// The term that identifies the article `id` (the id row's prefix + id).
std::string id_term(std::string_view id);

/// The terms whose posting lists hold the articles of story `key`: the first article's id term
/// and the others' kStoryPrefix term. The first article has the key as a value only, because
/// changing a value does not make Xapian rewrite an article's terms and positions, and that
/// article is often one written long ago. A hit may still need its value checked: a story's
/// first article may have left it (then nothing else is in it).
std::vector<std::string> story_terms(std::string_view key);

/// The facet names (filter_name of every faceted row), in table order.
std::vector<std::string> facet_names();

/// The field table of the API docs (Markdown), made from the schema.
std::string schema_markdown();

}  // namespace sondhan::core
