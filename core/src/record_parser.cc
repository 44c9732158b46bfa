// Record validation. simdjson validates the line (UTF-8 included) and reads the fields; the line
// itself is stored as the record when its field names are already the canonical ones, so most
// records are never re-serialized. Otherwise (an export with other names, or a numeric id) the
// record is rewritten with nlohmann so that the server always finds "title", "body"...
#include "sondhan/core/record_parser.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace sondhan::core {
namespace {

using simdjson::dom::element;

// The first input name of `field` present (and not null) in `record`; its key goes to *key.
bool find_field(const simdjson::dom::object& record, const FieldMapping& fields,
                const std::string& field, element* value, std::string* key) {
  auto names = fields.names.find(field);
  if (names == fields.names.end()) return false;
  for (const std::string& name : names->second) {
    element v;
    if (!record.at_key(name).get(v) && !v.is_null()) {
      *value = v;
      *key = name;
      return true;
    }
  }
  return false;
}

// Reads each canonical field, remembering under which input name it was found.
class FieldReader {
 public:
  FieldReader(const simdjson::dom::object& record, const FieldMapping& fields)
      : record_(record), fields_(fields) {}

  Status string(const std::string& field, std::string* out) {
    element v;
    std::string key;
    if (!find(field, &v, &key)) return Status::ok();
    std::string_view s;
    if (v.get_string().get(s)) return Status::invalid_argument("field '" + key + "' must be a string");
    *out = s;
    return Status::ok();
  }

  // A string or a list of strings (authors); a list of strings (tags).
  Status list(const std::string& field, bool allow_string, std::vector<std::string>* out) {
    element v;
    std::string key;
    if (!find(field, &v, &key)) return Status::ok();
    std::string_view s;
    if (allow_string && !v.get_string().get(s)) {
      if (!s.empty()) out->emplace_back(s);
      return Status::ok();
    }
    simdjson::dom::array items;
    if (v.get_array().get(items)) {
      return Status::invalid_argument("field '" + key + "' must be " +
                                      (allow_string ? "a string or a list of strings" : "a list of strings"));
    }
    for (element item : items) {
      if (item.get_string().get(s)) return Status::invalid_argument("field '" + key + "' must hold only strings");
      if (!s.empty()) out->emplace_back(s);
    }
    return Status::ok();
  }

  bool find(const std::string& field, element* value, std::string* key) {
    if (!find_field(record_, fields_, field, value, key)) return false;
    if (*key != field) renamed_ = true;
    return true;
  }

  bool renamed() const { return renamed_; }

 private:
  const simdjson::dom::object& record_;
  const FieldMapping& fields_;
  bool renamed_ = false;
};

// The slow path: the record with canonical names (and a string id), re-serialized.
std::string canonical_record(std::string_view line, const FieldMapping& fields, const std::string& id) {
  nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
  if (record.is_discarded()) return std::string(line);  // simdjson accepted it: keep it as is
  for (const auto& [field, names] : fields.names) {
    for (const std::string& name : names) {
      auto it = record.find(name);
      if (it == record.end() || it->is_null()) continue;
      if (name != field) {
        nlohmann::json value = *it;
        record.erase(name);
        record[field] = std::move(value);
      }
      break;
    }
  }
  record["id"] = id;
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

struct RecordParser::Impl {
  Impl(FieldMapping f, size_t max) : fields(std::move(f)), max_bytes(max) {}
  FieldMapping fields;
  size_t max_bytes;
  simdjson::dom::parser parser;  // keeps its padded copy of the input from record to record
};

RecordParser::RecordParser(FieldMapping fields, size_t max_bytes)
    : impl_(std::make_unique<Impl>(std::move(fields), max_bytes)) {}
RecordParser::~RecordParser() = default;

Result<Change> parse_record(std::string_view json, const FieldMapping& fields) {
  return RecordParser(fields).parse(json);
}

Result<Change> RecordParser::parse(std::string_view line, std::string_view path_id) {
  const FieldMapping& fields = impl_->fields;
  if (line.size() > impl_->max_bytes) {
    return Status::invalid_argument("record is longer than " + std::to_string(impl_->max_bytes) +
                                    " bytes (index.max_record_bytes)");
  }
  simdjson::dom::parser& parser = impl_->parser;
  element root;
  // The parser copies the line into its own padded buffer, reused from one record to the next.
  if (auto error = parser.parse(line.data(), line.size()).get(root)) {
    return Status::invalid_argument(error == simdjson::UTF8_ERROR ? "not valid UTF-8" : "not valid JSON");
  }
  simdjson::dom::object record;
  if (root.get_object().get(record)) return Status::invalid_argument("a record must be a JSON object");

  FieldReader reader(record, fields);
  Change change;
  Article& a = change.article;
  element id;
  std::string id_key;
  const bool has_id = reader.find("id", &id, &id_key);
  if (!has_id && path_id.empty()) return Status::invalid_argument("missing id");
  bool numeric_id = true;  // or otherwise not the record's own string: the record is rewritten
  std::string_view id_text;
  uint64_t id_unsigned = 0;
  int64_t id_signed = 0;
  if (!has_id) {
    a.id = path_id;
  } else if (!id.get_string().get(id_text)) {
    a.id = id_text;
    numeric_id = false;
  } else if (!id.get_uint64().get(id_unsigned)) {
    a.id = std::to_string(id_unsigned);
  } else if (!id.get_int64().get(id_signed)) {
    a.id = std::to_string(id_signed);
  } else {
    return Status::invalid_argument("field '" + id_key + "' must be a string or an integer");
  }
  if (!path_id.empty() && a.id != path_id) {
    return Status::invalid_argument("the record's id '" + a.id + "' differs from the id in the path '" +
                                    std::string(path_id) + "'");
  }
  if (a.id.empty()) return Status::invalid_argument("id is empty");
  if (a.id.size() > 200) return Status::invalid_argument("id is longer than 200 bytes");
  // The id is a term (Q + id) and a path segment (/documents/{id}): no control characters.
  if (std::any_of(a.id.begin(), a.id.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Status::invalid_argument("id has a control character");
  }

  element deleted;
  if (!record.at_key("deleted").get(deleted)) {
    bool is_deleted = false;
    if (deleted.get_bool().get(is_deleted)) return Status::invalid_argument("field 'deleted' must be true or false");
    if (is_deleted) {
      change.is_delete = true;
      return change;
    }
  }

  bool has_text = false;
  for (const Field& f : schema()) {
    const std::string name(f.name);
    auto& values = a.values[field_index(f)];
    switch (f.kind) {
      case FieldKind::kText:
      case FieldKind::kKeyword:
      case FieldKind::kStored: {
        std::string value;
        if (Status s = reader.string(name, &value); !s.is_ok()) return s;
        if (!value.empty()) values.push_back(std::move(value));
        has_text |= f.kind == FieldKind::kText && !values.empty();
        break;
      }
      case FieldKind::kKeywordList:
        if (Status s = reader.list(name, f.single_string_ok, &values); !s.is_ok()) return s;
        break;
      case FieldKind::kDate: {
        std::string date_text;
        if (Status s = reader.string(name, &date_text); !s.is_ok()) return s;
        if (!date_text.empty()) {
          a.date = parse_iso_date(date_text);
          if (!a.date) return Status::invalid_argument("date '" + date_text + "' is not an ISO 8601 date");
        }
        break;
      }
      case FieldKind::kId:
      case FieldKind::kYear:
      case FieldKind::kMonth:
        break;
    }
  }
  if (!has_text) return Status::invalid_argument("needs a title or a body");

  a.record = reader.renamed() || numeric_id ? canonical_record(line, fields, a.id) : std::string(line);
  return change;
}

}  // namespace sondhan::core
