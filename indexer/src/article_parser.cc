// Record validation. The stored record keeps every input field; canonical fields are stored
// under their canonical names, so the server always finds "title" even if the export said
// "headline".
#include "sondhan/indexer/article_parser.h"

#include <nlohmann/json.hpp>
#include <unicode/utf8.h>

namespace sondhan::indexer {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

// The first input name of `field` present in `record`, or nullptr; its key goes to *key.
const json* find_field(const json& record, const core::FieldMapping& fields, const std::string& field,
                       std::string* key = nullptr) {
  auto names = fields.names.find(field);
  if (names == fields.names.end()) return nullptr;
  for (const std::string& name : names->second) {
    auto it = record.find(name);
    if (it != record.end() && !it->is_null()) {
      if (key) *key = name;
      return &*it;
    }
  }
  return nullptr;
}

Status read_string(const json& record, const core::FieldMapping& fields, const std::string& field,
                   std::string* out) {
  std::string key;
  const json* v = find_field(record, fields, field, &key);
  if (!v) return Status::ok();
  if (!v->is_string()) return Status::invalid_argument("field '" + key + "' must be a string");
  *out = v->get<std::string>();
  return Status::ok();
}

// A string or a list of strings (authors); a list of strings (tags).
Status read_list(const json& record, const core::FieldMapping& fields, const std::string& field,
                 bool allow_string, std::vector<std::string>* out) {
  std::string key;
  const json* v = find_field(record, fields, field, &key);
  if (!v) return Status::ok();
  if (v->is_string() && allow_string) {
    if (!v->get<std::string>().empty()) out->push_back(v->get<std::string>());
    return Status::ok();
  }
  if (!v->is_array()) {
    return Status::invalid_argument("field '" + key + "' must be " +
                                    (allow_string ? "a string or a list of strings" : "a list of strings"));
  }
  for (const json& item : *v) {
    if (!item.is_string()) return Status::invalid_argument("field '" + key + "' must hold only strings");
    if (!item.get<std::string>().empty()) out->push_back(item.get<std::string>());
  }
  return Status::ok();
}

}  // namespace

Result<core::Change> parse_article(std::string_view line, const core::FieldMapping& fields) {
  if (!valid_utf8(line)) return Status::invalid_argument("not valid UTF-8");
  json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded()) return Status::invalid_argument("not valid JSON");
  if (!record.is_object()) return Status::invalid_argument("a record must be a JSON object");

  core::Change change;
  core::Article& a = change.article;
  std::string id_key;
  const json* id = find_field(record, fields, "id", &id_key);
  if (!id) return Status::invalid_argument("missing id");
  const bool numeric_id = id->is_number_integer();
  if (id->is_number_unsigned()) {
    a.id = std::to_string(id->get<unsigned long long>());
  } else if (numeric_id) {
    a.id = std::to_string(id->get<long long>());
  } else if (id->is_string()) {
    a.id = id->get<std::string>();
  } else {
    return Status::invalid_argument("field '" + id_key + "' must be a string or an integer");
  }
  if (a.id.empty()) return Status::invalid_argument("id is empty");
  if (a.id.size() > 200) return Status::invalid_argument("id is longer than 200 bytes");

  if (auto del = record.find("deleted"); del != record.end()) {
    if (!del->is_boolean()) return Status::invalid_argument("field 'deleted' must be true or false");
    if (del->get<bool>()) {
      change.is_delete = true;
      return change;
    }
  }

  for (const auto& [field, target] : {std::pair{"title", &a.title}, {"body", &a.body},
                                      {"source", &a.source}, {"category", &a.category},
                                      {"url", &a.url}}) {
    if (Status s = read_string(record, fields, field, target); !s.is_ok()) return s;
  }
  if (a.title.empty() && a.body.empty()) return Status::invalid_argument("needs a title or a body");
  if (Status s = read_list(record, fields, "author", true, &a.authors); !s.is_ok()) return s;
  if (Status s = read_list(record, fields, "tags", false, &a.tags); !s.is_ok()) return s;

  std::string date_text;
  if (Status s = read_string(record, fields, "date", &date_text); !s.is_ok()) return s;
  if (!date_text.empty()) {
    a.date = core::parse_iso_date(date_text);
    if (!a.date) return Status::invalid_argument("date '" + date_text + "' is not an ISO 8601 date");
  }

  // The stored record: canonical names for canonical fields, everything else as it came.
  for (const auto& [field, names] : fields.names) {
    std::string key;
    if (const json* v = find_field(record, fields, field, &key); v && key != field) {
      record[field] = *v;
      record.erase(key);
    }
  }
  if (numeric_id) record["id"] = a.id;  // `id` may point into an erased key by now
  a.record = std::move(record);
  return change;
}

}  // namespace sondhan::indexer
