// The field table. Term prefixes and value slots are part of the on-disk format: changing one
// needs a re-index (and a new format version in manifest.cc).
#include "sondhan/core/schema.h"

namespace sondhan::core {

const std::vector<Field>& schema() {
  using K = FieldKind;
  static const std::vector<Field> kFields = {
      {.name = "id", .kind = K::kId, .prefix = "Q", .show = true,
       .description = "unique; a record with an id already indexed replaces it"},
      {.name = "title", .kind = K::kText, .prefix = "S", .text_weight = 0, .show = true, .suggest = true,
       .description = "searched, weighted by index.title_weight; title:word searches it alone"},
      {.name = "body", .kind = K::kText,
       .description = "searched; hits show a passage of it (snippet)"},
      {.name = "date", .kind = K::kDate, .slot = 0, .sort_slot = 1, .show = true,
       .description = "ISO 8601 date or date-time: from/to, sort=date and -date, year and month"},
      {.name = "source", .kind = K::kKeyword, .filter_name = "source", .prefix = "XSRC", .slot = 2,
       .filter = true, .facet = true, .show = true, .description = "the publication"},
      {.name = "category", .kind = K::kKeyword, .filter_name = "category", .prefix = "XCAT", .slot = 3,
       .filter = true, .facet = true, .show = true, .description = "the section"},
      {.name = "edition", .kind = K::kKeyword, .filter_name = "edition", .prefix = "XED", .slot = 8,
       .filter = true, .facet = true, .show = true,
       .description = "the edition or page it ran in (ঢাকা, চট্টগ্রাম, অনলাইন)"},
      {.name = "author", .kind = K::kKeywordList, .filter_name = "author", .prefix = "XA", .slot = 4,
       .filter = true, .facet = true, .show = true, .single_string_ok = true,
       .description = "a string or a list of strings"},
      {.name = "tags", .kind = K::kKeywordList, .filter_name = "tag", .prefix = "K", .slot = 5,
       .filter = true, .facet = true, .show = true, .description = "a list of strings"},
      {.name = "url", .kind = K::kStored, .show = true, .description = "the article's address"},
      {.name = "year", .kind = K::kYear, .filter_name = "year", .prefix = "XY", .slot = 6,
       .filter = true, .facet = true, .description = "from the date: a filter (year:2024) and a facet"},
      {.name = "month", .kind = K::kMonth, .filter_name = "month", .prefix = "XM", .slot = 7, .facet = true,
       .description = "from the date (2024-03): a facet"},
  };
  return kFields;
}

const Field* find_field(std::string_view name) {
  for (const Field& f : schema()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Field* find_filter(std::string_view filter_name) {
  if (filter_name.empty()) return nullptr;
  for (const Field& f : schema()) {
    if (f.filter_name == filter_name) return &f;
  }
  return nullptr;
}

size_t field_index(const Field& field) { return static_cast<size_t>(&field - schema().data()); }

std::string id_term(std::string_view id) {
  static const std::string prefix(find_field("id")->prefix);
  return prefix + std::string(id);
}

std::vector<std::string> story_terms(std::string_view key) {
  return {id_term(key), kStoryPrefix + std::string(key)};
}

std::vector<std::string> facet_names() {
  std::vector<std::string> names;
  for (const Field& f : schema()) {
    if (f.facet) names.emplace_back(f.filter_name);
  }
  return names;
}

std::string schema_markdown() {
  auto kind = [](FieldKind k) {
    switch (k) {
      case FieldKind::kId: return "id";
      case FieldKind::kText: return "text";
      case FieldKind::kKeyword: return "keyword";
      case FieldKind::kKeywordList: return "keywords";
      case FieldKind::kDate: return "date";
      case FieldKind::kStored: return "stored";
      case FieldKind::kYear:
      case FieldKind::kMonth: return "derived";
    }
    return "";
  };
  std::string out = "| field | type | filter and facet | in hits | notes |\n|---|---|---|---|---|\n";
  for (const Field& f : schema()) {
    std::string filter;
    if (f.filter) filter = "`" + std::string(f.filter_name) + "=`, `" + std::string(f.filter_name) + ":`";
    if (f.facet) filter += std::string(filter.empty() ? "" : ", ") + "facet `" + std::string(f.filter_name) + "`";
    out += "| `" + std::string(f.name) + "` | " + kind(f.kind) + " | " + filter + " | " +
           (f.show ? "yes" : "") + " | " + std::string(f.description) + " |\n";
  }
  return out;
}

}  // namespace sondhan::core
