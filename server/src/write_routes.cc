// Write handlers: validate each record with core's RecordParser (the indexer's rules and
// messages), hand the valid ones to the LiveIndex in one submit, answer one result per item.
// A bad item never rejects the good ones of a bulk.
#include "write_routes.h"

#include <cctype>
#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "replies.h"
#include "sondhan/core/record_parser.h"

namespace sondhan::server {
namespace {

using nlohmann::json;

// The media type of a Content-Type header, lower-cased, without parameters.
std::string media_type(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

bool is_json_lines(const std::string& type) {
  return type == "application/x-ndjson" || type == "application/jsonl" || type == "application/json-lines";
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), kJson);
}

// ?wait=true|false, and nothing else.
core::Result<core::LiveIndex::Wait> parse_wait(const httplib::Request& req) {
  for (const auto& [key, value] : req.params) {
    if (key != "wait") return core::Status::invalid_argument("unknown parameter '" + key + "'");
  }
  const std::string wait = req.get_param_value("wait");
  if (wait.empty() || wait == "false") return core::LiveIndex::Wait::kApplied;
  if (wait == "true") return core::LiveIndex::Wait::kVisible;
  return core::Status::invalid_argument("wait must be true or false, got '" + wait + "'");
}

const char* outcome_name(core::ChangeOutcome outcome) {
  switch (outcome) {
    case core::ChangeOutcome::kAdded: return "created";
    case core::ChangeOutcome::kUpdated: return "updated";
    case core::ChangeOutcome::kDeleted: return "deleted";
    case core::ChangeOutcome::kNotFound: return "not_found";
    case core::ChangeOutcome::kPending: break;
  }
  return "pending";
}

// One item of a bulk: its place in the input, and the change or why it has none.
struct Item {
  size_t index = 0;
  std::optional<size_t> line;        // JSON Lines: its line number
  std::string id;                    // when known
  std::optional<core::Change> change;
  std::string error;
};

// The id of an item that failed validation, when it has a readable one (for its result).
std::string id_of(std::string_view text) {
  const json record = json::parse(text, nullptr, false);
  if (!record.is_object()) return {};
  auto it = record.find("id");
  if (it == record.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return {};
}

void parse_item(core::RecordParser& parser, std::string_view text, Item* item) {
  auto change = parser.parse(text);
  if (change.is_ok()) {
    item->id = change->article.id;
    item->change = std::move(change).value();
  } else {
    item->error = change.status().message();
    item->id = id_of(text);
  }
}

// The items of a bulk body: JSON Lines (blank lines skipped), or a JSON array.
core::Result<std::vector<Item>> parse_bulk(const httplib::Request& req, const core::Config& config) {
  core::RecordParser parser(config.fields, static_cast<size_t>(config.index.max_record_bytes));
  std::vector<Item> items;
  const std::string type = media_type(req);
  if (is_json_lines(type)) {
    std::string_view body = req.body;
    size_t line_no = 0;
    while (!body.empty()) {
      const size_t end = body.find('\n');
      std::string_view line = body.substr(0, end);
      body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      Item item;
      item.index = items.size();
      item.line = line_no;
      parse_item(parser, line, &item);
      items.push_back(std::move(item));
    }
  } else if (type == "application/json") {
    const json array = json::parse(req.body, nullptr, false);
    if (array.is_discarded()) return core::Status::invalid_argument("the body is not valid JSON (UTF-8)");
    if (!array.is_array()) {
      return core::Status::invalid_argument("the body must be a JSON array of records (or JSON Lines, "
                                            "Content-Type: application/x-ndjson)");
    }
    for (const json& element : array) {
      Item item;
      item.index = items.size();
      parse_item(parser, element.dump(-1, ' ', false, json::error_handler_t::replace), &item);
      items.push_back(std::move(item));
    }
  }
  return items;
}

// Submits the valid items' changes in one go; fills in their results.
core::Status submit(core::LiveIndex& index, std::vector<Item>& items, core::LiveIndex::Wait wait,
                    Metrics& metrics, bool* visible) {
  std::vector<core::Change> changes;
  for (Item& item : items) {
    if (item.change) {
      changes.push_back(std::move(*item.change));
    } else {
      metrics.record_write("error");
    }
  }
  *visible = true;
  if (changes.empty() && wait == core::LiveIndex::Wait::kApplied) return core::Status::ok();
  auto submitted = index.submit(std::move(changes), wait);
  if (!submitted.is_ok()) return submitted.status();
  *visible = submitted->visible;
  size_t at = 0;
  for (Item& item : items) {
    if (item.change) {
      item.change->outcome = submitted->outcomes[at++];
      metrics.record_write(outcome_name(item.change->outcome));
    }
  }
  return core::Status::ok();
}

json item_result(const Item& item) {
  json result = {{"index", item.index}};
  if (item.line) result["line"] = *item.line;
  result["id"] = item.id.empty() ? json() : json(item.id);
  if (item.change) {
    result["status"] = outcome_name(item.change->outcome);
  } else {
    result["status"] = "error";
    result["error"] = {{"code", "invalid_argument"}, {"message", item.error}};
  }
  return result;
}

json bulk_response(const std::vector<Item>& items, bool visible, double took_ms) {
  json results = json::array();
  bool errors = false;
  for (const Item& item : items) {
    errors |= !item.change.has_value();
    results.push_back(item_result(item));
  }
  return {{"errors", errors}, {"visible", visible}, {"took_ms", took_ms}, {"items", std::move(results)}};
}

// A delete of `id`, validated as any record's id is.
core::Result<core::Change> delete_change(const json& id) {
  return core::parse_record(json{{"id", id}, {"deleted", true}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

// Submits one change; its outcome is counted.
core::Result<core::SubmitResult> submit_one(core::LiveIndex& index, core::Change change,
                                            core::LiveIndex::Wait wait, Metrics& metrics) {
  std::vector<core::Change> changes;
  changes.push_back(std::move(change));
  auto submitted = index.submit(std::move(changes), wait);
  if (submitted.is_ok()) metrics.record_write(outcome_name(submitted->outcomes.at(0)));
  return submitted;
}

}  // namespace

bool is_write_request(const std::string& method, const std::string& path) {
  const bool document = path.rfind("/documents/", 0) == 0 && path.size() > 11;
  if (method == "PUT" || method == "DELETE") return document;
  if (method == "POST") return path == "/documents" || path == "/documents/delete";
  return false;
}

void register_write_routes(ConnectionServer& server, core::LiveIndex& index, const ServerConfig& config,
                           Metrics& metrics) {
  const core::Config& core_config = config.core;

  server.Put(R"(/documents/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
    auto wait = parse_wait(req);
    if (!wait.is_ok()) return send_status(req, res, wait.status());
    if (media_type(req) != "application/json") {
      return send_error(res, 415, "unsupported_media_type", "PUT /documents/{id} takes one JSON object (Content-Type: application/json)");
    }
    core::RecordParser parser(core_config.fields, static_cast<size_t>(core_config.index.max_record_bytes));
    auto change = parser.parse(req.body, req.matches[1].str());
    if (!change.is_ok()) {
      metrics.record_write("error");
      return send_status(req, res, change.status());
    }
    if (change->is_delete) {
      metrics.record_write("error");
      return send_error(res, 400, "invalid_argument", "to delete an article, send DELETE /documents/{id}");
    }
    const std::string id = change->article.id;
    auto submitted = submit_one(index, std::move(change).value(), wait.value(), metrics);
    if (!submitted.is_ok()) return send_status(req, res, submitted.status());
    const core::ChangeOutcome outcome = submitted->outcomes.at(0);
    send_json(res, outcome == core::ChangeOutcome::kAdded ? 201 : 200,
              {{"id", id}, {"status", outcome_name(outcome)}, {"visible", submitted->visible}});
  });

  server.Delete(R"(/documents/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
    auto wait = parse_wait(req);
    if (!wait.is_ok()) return send_status(req, res, wait.status());
    const std::string id = req.matches[1].str();
    auto change = delete_change(id);
    if (!change.is_ok()) return send_status(req, res, change.status());  // a bad id
    auto submitted = submit_one(index, std::move(change).value(), wait.value(), metrics);
    if (!submitted.is_ok()) return send_status(req, res, submitted.status());
    const core::ChangeOutcome outcome = submitted->outcomes.at(0);
    if (outcome == core::ChangeOutcome::kNotFound) {
      return send_error(res, 404, "not_found", "no article with id '" + id + "'");
    }
    send_json(res, 200, {{"id", id}, {"status", outcome_name(outcome)}, {"visible", submitted->visible}});
  });

  server.Post("/documents", [&](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    auto wait = parse_wait(req);
    if (!wait.is_ok()) return send_status(req, res, wait.status());
    const std::string type = media_type(req);
    if (!is_json_lines(type) && type != "application/json") {
      return send_error(res, 415, "unsupported_media_type",
                        "POST /documents takes JSON Lines (Content-Type: application/x-ndjson) or a JSON "
                        "array (Content-Type: application/json)");
    }
    auto items = parse_bulk(req, core_config);
    if (!items.is_ok()) return send_status(req, res, items.status());
    bool visible = true;
    if (core::Status s = submit(index, items.value(), wait.value(), metrics, &visible); !s.is_ok()) {
      return send_status(req, res, s);
    }
    send_json(res, 200, bulk_response(items.value(), visible, ms_since(start)));
  });

  server.Post("/documents/delete", [&](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    auto wait = parse_wait(req);
    if (!wait.is_ok()) return send_status(req, res, wait.status());
    if (media_type(req) != "application/json") {
      return send_error(res, 415, "unsupported_media_type",
                        "POST /documents/delete takes {\"ids\": [...]} (Content-Type: application/json)");
    }
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("ids") || !body["ids"].is_array()) {
      return send_error(res, 400, "invalid_argument", "the body must be a JSON object {\"ids\": [\"id\", ...]}");
    }
    std::vector<Item> items;
    for (const json& id : body["ids"]) {
      Item item;
      item.index = items.size();
      if (id.is_string() || id.is_number_integer()) {
        auto change = delete_change(id);
        if (change.is_ok()) {
          item.id = change->article.id;
          item.change = std::move(change).value();
        } else {
          item.error = change.status().message();
        }
      } else {
        item.error = "an id must be a string or an integer";
      }
      items.push_back(std::move(item));
    }
    bool visible = true;
    if (core::Status s = submit(index, items, wait.value(), metrics, &visible); !s.is_ok()) {
      return send_status(req, res, s);
    }
    send_json(res, 200, bulk_response(items, visible, ms_since(start)));
  });
}

}  // namespace sondhan::server
