// Loading and validating Config. One table of keys serves the TOML file and the environment,
// so a key cannot be settable one way and not the other.
#include "sondhan/core/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <variant>

#include <toml.hpp>

#include "sondhan/core/schema.h"

extern char** environ;

namespace sondhan::core {
namespace {

using Key = ConfigKey;

std::vector<Key> keys_of(Config* c, const ConfigExtension& extension) {
  std::vector<Key> keys = {
      {"", "db_path", &c->db_path},
      {"index", "title_weight", &c->index.title_weight},
      {"index", "prefix_letters", &c->index.prefix_letters},
      {"index", "positions", &c->index.positions},
      {"index", "commit_every", &c->index.commit_every},
      {"index", "refresh_ms", &c->index.refresh_ms},
      {"index", "threads", &c->index.threads},
      {"index", "max_record_bytes", &c->index.max_record_bytes},
      {"index", "memory_mb", &c->index.memory_mb},
      {"index", "segment_articles", &c->index.segment_articles},
      {"ranking", "scheme", &c->ranking.scheme},
      {"ranking", "bm25_k1", &c->ranking.bm25_k1},
      {"ranking", "bm25_b", &c->ranking.bm25_b},
      {"ranking", "all_words_boost", &c->ranking.all_words_boost},
      {"ranking", "all_words_min_words", &c->ranking.all_words_min_words},
      {"ranking", "title_boost", &c->ranking.title_boost},
      {"ranking", "prefix_weight", &c->ranking.prefix_weight},
      {"ranking", "loose_weight", &c->ranking.loose_weight},
      {"ranking", "number_weight", &c->ranking.number_weight},
      {"ranking", "compound_weight", &c->ranking.compound_weight},
      {"ranking", "phrase_boost", &c->ranking.phrase_boost},
      {"ranking", "phrase_window", &c->ranking.phrase_window},
      {"ranking", "phrase_min_words", &c->ranking.phrase_min_words},
      {"ranking", "rerank_depth", &c->ranking.rerank_depth},
      {"ranking", "candidates", &c->ranking.candidates},
      {"ranking", "synonyms", &c->ranking.synonyms},
      {"ranking", "news_synonyms", &c->ranking.news_synonyms},
      {"ranking", "paraphrase_weight", &c->ranking.paraphrase_weight},
      {"search", "default_limit", &c->search.default_limit},
      {"search", "max_limit", &c->search.max_limit},
      {"search", "max_offset", &c->search.max_offset},
      {"search", "max_query_bytes", &c->search.max_query_bytes},
      {"search", "max_query_terms", &c->search.max_query_terms},
      {"search", "max_nesting", &c->search.max_nesting},
      {"search", "count_at_least", &c->search.count_at_least},
      {"search", "facet_check_at_least", &c->search.facet_check_at_least},
      {"search", "facet_memory_mb", &c->search.facet_memory_mb},
      {"search", "snippet_chars", &c->search.snippet_chars},
      {"search", "time_limit_ms", &c->search.time_limit_ms},
      {"search", "highlight_start", &c->search.highlight_start},
      {"search", "highlight_end", &c->search.highlight_end},
  };
  keys.insert(keys.end(), extension.keys.begin(), extension.keys.end());
  return keys;
}

std::string dotted(const Key& key) {
  return key.section.empty() ? key.name : key.section + "." + key.name;
}

Status set_from_toml(const Key& key, const toml::value& v) {
  try {
    std::visit(
        [&](auto* target) {
          using T = std::remove_pointer_t<decltype(target)>;
          if constexpr (std::is_same_v<T, double>) {
            *target = v.is_integer() ? static_cast<double>(v.as_integer()) : v.as_floating();
          } else if constexpr (std::is_same_v<T, int>) {
            const auto value = v.as_integer();
            if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
              throw std::out_of_range("integer out of range");
            }
            *target = static_cast<int>(value);
          } else {
            *target = toml::get<T>(v);
          }
        },
        key.target);
  } catch (const std::exception&) {
    return Status::invalid_argument("config key " + dotted(key) + " has the wrong type or is out of range");
  }
  return Status::ok();
}

Status set_from_string(const Key& key, const std::string& text) {
  auto bad = [&] {
    return Status::invalid_argument("environment value for " + dotted(key) + " is invalid: '" +
                                    text + "'");
  };
  if (auto* p = std::get_if<int*>(&key.target)) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return bad();
    **p = value;
  } else if (auto* d = std::get_if<double*>(&key.target)) {
    try {
      size_t used = 0;
      double value = std::stod(text, &used);
      if (used != text.size()) return bad();
      **d = value;
    } catch (const std::exception&) {
      return bad();
    }
  } else if (auto* s = std::get_if<std::string*>(&key.target)) {
    **s = text;
  } else if (auto* list = std::get_if<std::vector<std::string>*>(&key.target)) {
    **list = split_list(text);
  } else if (auto* b = std::get_if<bool*>(&key.target)) {
    if (text == "true" || text == "1") **b = true;
    else if (text == "false" || text == "0") **b = false;
    else return bad();
  }
  return Status::ok();
}

std::string env_name(const Key& key) {
  std::string name = "SONDHAN_" + (key.section.empty() ? "" : key.section + "_") + key.name;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

}  // namespace

FieldMapping::FieldMapping() {
  for (const Field& f : schema()) {
    if (f.kind != FieldKind::kYear && f.kind != FieldKind::kMonth) names[std::string(f.name)] = {std::string(f.name)};
  }
}

Status check_range(const std::string& key, double value, double lo, double hi) {
  if (value < lo || value > hi) {
    char message[256];
    std::snprintf(message, sizeof message, "config key %s = %g is outside [%g, %g]", key.c_str(), value, lo, hi);
    return Status::invalid_argument(message);
  }
  return Status::ok();
}

Status Config::validate() const {
  const auto range = check_range;
  if (db_path.empty()) return Status::invalid_argument("config key db_path is empty");
  for (const Status& s : {
           range("index.title_weight", index.title_weight, 1, 50),
           range("index.prefix_letters", index.prefix_letters, 0, 10),
           range("index.commit_every", index.commit_every, 1, 10000000),
           range("index.refresh_ms", index.refresh_ms, 1, 3600000),
           range("index.threads", index.threads, 1, 64),
           range("index.max_record_bytes", index.max_record_bytes, 1024, 1 << 30),
           range("index.memory_mb", index.memory_mb, 0, 1 << 20),
           range("index.segment_articles", index.segment_articles, 0, 100000000),
           range("ranking.bm25_k1", ranking.bm25_k1, 0, 10),
           range("ranking.bm25_b", ranking.bm25_b, 0, 1),
           range("ranking.all_words_boost", ranking.all_words_boost, 0, 1000),
           range("ranking.all_words_min_words", ranking.all_words_min_words, 2, 64),
           range("ranking.title_boost", ranking.title_boost, 0, 100),
           range("ranking.prefix_weight", ranking.prefix_weight, 0, 10),
           range("ranking.loose_weight", ranking.loose_weight, 0, 10),
           range("ranking.number_weight", ranking.number_weight, 0, 10),
           range("ranking.compound_weight", ranking.compound_weight, 0, 10),
           range("ranking.paraphrase_weight", ranking.paraphrase_weight, 0, 10),
           range("ranking.phrase_boost", ranking.phrase_boost, 0, 100),
           range("ranking.phrase_window", ranking.phrase_window, 2, 50),
           range("ranking.phrase_min_words", ranking.phrase_min_words, 2, 64),
           range("ranking.rerank_depth", ranking.rerank_depth, 0, 10000),
           range("ranking.candidates", ranking.candidates, 0, 100000),
           range("search.default_limit", search.default_limit, 1, search.max_limit),
           range("search.max_limit", search.max_limit, 1, 10000),
           range("search.max_offset", search.max_offset, 0, 1000000),
           range("search.max_query_bytes", search.max_query_bytes, 16, 1 << 20),
           range("search.max_query_terms", search.max_query_terms, 1, 4096),
           range("search.max_nesting", search.max_nesting, 1, 256),
           range("search.count_at_least", search.count_at_least, 0, 1e9),
           range("search.facet_check_at_least", search.facet_check_at_least, 0, 1e9),
           range("search.facet_memory_mb", search.facet_memory_mb, 0, 1 << 20),
           range("search.snippet_chars", search.snippet_chars, 20, 10000),
           range("search.time_limit_ms", search.time_limit_ms, 0, 3600000),
       }) {
    if (!s.is_ok()) return s;
  }
  if (index.positions != "auto" && index.positions != "table" && index.positions != "compact") {
    return Status::invalid_argument("config key index.positions must be auto, table or compact; got '" +
                                    index.positions + "'");
  }
  static const std::vector<std::string> kSchemes = {"bm25", "bm25+", "dph", "pl2", "inl2", "lm"};
  if (std::find(kSchemes.begin(), kSchemes.end(), ranking.scheme) == kSchemes.end()) {
    return Status::invalid_argument("config key ranking.scheme must be one of bm25, bm25+, dph, pl2, "
                                    "inl2, lm; got '" + ranking.scheme + "'");
  }
  for (const std::string& group : ranking.synonyms) {
    if (split_words(group).size() < 2) {
      return Status::invalid_argument("config key ranking.synonyms: group '" + group +
                                      "' needs two or more words, separated by spaces");
    }
  }
  for (const auto& [field, names] : fields.names) {
    if (names.empty()) {
      return Status::invalid_argument("config key fields." + field + " lists no input name");
    }
  }
  return Status::ok();
}

Result<Config> load_config(const std::string& path, const ConfigExtension& extension) {
  Config config;
  toml::value root;
  try {
    root = toml::parse(path);
  } catch (const std::exception& e) {
    return Status::invalid_argument("cannot read config " + path + ": " + e.what());
  }
  std::vector<Key> keys = keys_of(&config, extension);
  // Structured bindings are not captured by the lambdas below: clang before 16 cannot.
  for (const auto& entry : root.as_table()) {
    const std::string& name = entry.first;
    const toml::value& value = entry.second;
    if (name == "fields") {
      if (!value.is_table()) return Status::invalid_argument("config [fields] must be a table");
      for (const auto& [field, names] : value.as_table()) {
        if (!config.fields.names.count(field)) {
          return Status::invalid_argument("config [fields] has unknown field '" + field + "'");
        }
        try {
          config.fields.names[field] = toml::get<std::vector<std::string>>(names);
        } catch (const std::exception&) {
          return Status::invalid_argument("config fields." + field + " must be a list of names");
        }
      }
      continue;
    }
    const bool is_section = value.is_table();
    if (!is_section) {
      auto it = std::find_if(keys.begin(), keys.end(),
                             [&](const Key& k) { return k.section.empty() && k.name == name; });
      if (it == keys.end()) return Status::invalid_argument("unknown config key '" + name + "'");
      if (Status s = set_from_toml(*it, value); !s.is_ok()) return s;
      continue;
    }
    if (std::find(extension.other_sections.begin(), extension.other_sections.end(), name) !=
        extension.other_sections.end()) {
      continue;  // another program's section
    }
    if (std::none_of(keys.begin(), keys.end(), [&](const Key& k) { return k.section == name; })) {
      return Status::invalid_argument("unknown config section [" + name + "]");
    }
    for (const auto& key_entry : value.as_table()) {
      const std::string& key_name = key_entry.first;
      const toml::value& key_value = key_entry.second;
      auto it = std::find_if(keys.begin(), keys.end(), [&](const Key& k) {
        return k.section == name && k.name == key_name;
      });
      if (it == keys.end()) {
        return Status::invalid_argument("unknown config key '" + name + "." + key_name + "'");
      }
      if (Status s = set_from_toml(*it, key_value); !s.is_ok()) return s;
    }
  }
  return config;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > start) items.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (auto eq = kv.find('='); eq != std::string_view::npos) {
      env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  return env;
}

Status apply_environment(Config* config, const std::map<std::string, std::string>& env,
                         const ConfigExtension& extension) {
  for (const Key& key : keys_of(config, extension)) {
    auto it = env.find(env_name(key));
    if (it == env.end()) continue;
    if (Status s = set_from_string(key, it->second); !s.is_ok()) return s;
  }
  return Status::ok();
}

}  // namespace sondhan::core
