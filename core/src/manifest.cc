// Manifests as JSON, and the comparison that decides whether a database can be used.
#include "sondhan/core/manifest.h"

#include <nlohmann/json.hpp>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/schema.h"

namespace sondhan::core {

std::string Manifest::to_json() const {
  return nlohmann::json{{"format_version", format_version}, {"analyzer_version", analyzer_version},
                        {"schema", schema},                 {"title_weight", title_weight},
                        {"prefix_letters", prefix_letters}, {"positions", positions},
                        {"fields", fields}}
      .dump();
}

Result<Manifest> Manifest::from_json(const std::string& json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  Manifest m;
  try {
    m.format_version = j.at("format_version").get<int>();
    m.analyzer_version = j.at("analyzer_version").get<int>();
    m.schema = j.at("schema").get<std::string>();
    m.title_weight = j.at("title_weight").get<int>();
    m.prefix_letters = j.at("prefix_letters").get<int>();
    m.positions = j.value("positions", std::string("table"));
    m.fields = j.at("fields").get<std::map<std::string, std::vector<std::string>>>();
  } catch (const std::exception&) {
    return Status::invalid_argument("the database's manifest is not readable");
  }
  return m;
}

Manifest current_manifest(const Config& config) {
  Manifest m;
  m.format_version = kIndexFormatVersion;
  m.analyzer_version = analyzers::kAnalyzerVersion;
  // Only what shapes terms and values: names, kinds, prefixes, slots, weights, suggesting fields.
  for (const Field& f : schema()) {
    m.schema += std::string(f.name) + ":" + std::to_string(static_cast<int>(f.kind)) + ":" +
                std::string(f.prefix) + ":" + std::to_string(f.slot) + ":" + std::to_string(f.sort_slot) +
                ":" + std::to_string(f.text_weight) + (f.suggest ? ":w" : "") + ";";
  }
  m.title_weight = config.index.title_weight;
  m.prefix_letters = config.index.prefix_letters;
  m.positions = config.index.positions;
  m.fields = config.fields.names;
  return m;
}

std::string positions_in_use(const std::string& configured, const Manifest* stored) {
  if (configured != "auto") return configured;
  return stored != nullptr ? stored->positions : "compact";
}

std::vector<std::string> manifest_differences(const Manifest& stored, const Manifest& current, ManifestUse use) {
  std::vector<std::string> out;
  auto differ = [&](const char* what, int was, int now) {
    if (was != now) {
      out.push_back(std::string(what) + " is " + std::to_string(was) + " in the database, " +
                    std::to_string(now) + " here");
    }
  };
  if (stored.format_version < kOldestCompatibleFormat || stored.format_version > current.format_version) {
    differ("the index format version", stored.format_version, current.format_version);
  }
  differ("the analyzer version", stored.analyzer_version, current.analyzer_version);
  if (stored.schema != current.schema) out.push_back("the fields (schema) differ from this binary's");
  differ("index.prefix_letters", stored.prefix_letters, current.prefix_letters);
  if (stored.positions != current.positions) {
    out.push_back("index.positions is " + stored.positions + " in the database, " + current.positions + " here");
  }
  if (use == ManifestUse::kWrite) differ("index.title_weight", stored.title_weight, current.title_weight);
  return out;
}

std::string manifest_refusal(const std::string& db_path, const std::vector<std::string>& differences) {
  std::string message = "database " + db_path + " was built differently: ";
  for (size_t i = 0; i < differences.size(); ++i) message += (i ? "; " : "") + differences[i];
  message += ". Rebuild it with this binary and configuration: sondhan-index --rebuild --db " + db_path +
             " ARCHIVE.jsonl (a running server switches to it when it is complete)";
  return message;
}

}  // namespace sondhan::core
