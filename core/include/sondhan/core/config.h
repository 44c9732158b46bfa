// sondhan's configuration: one struct, with the documented defaults of config/sondhan.toml,
// loaded from TOML and validated once. Flags and SONDHAN_* environment variables override it
// in the executables.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sondhan/core/status.h"

namespace sondhan::core {

/// How documents are written. Changing title_weight, prefix_letters or positions needs a re-index.
struct IndexOptions {
  int title_weight = 3;          // within-document frequency added per title word
  int prefix_letters = 0;        // letters kept by the sub-word fallback terms (0: none)
  std::string positions = "auto";  // where word positions go: "table", Xapian's position table;
                                 //   "compact", one value an article (word_positions.h): a third
                                 //   smaller and a quarter quicker to build (docs/scale.md);
                                 //   "auto": an existing database's own, compact for a new one
  int commit_every = 1000;       // articles per commit (a commit makes them visible)
  int refresh_ms = 1000;         // a writable server commits what it was sent at most this late
  int threads = 2;               // analysis and write threads; shards of a new database
  int max_record_bytes = 1 << 20;// a longer input record is rejected, with its line number
  int memory_mb = 0;             // a bulk build commits before its uncommitted articles fill this
                                 //   (0: an eighth of the machine's memory, 256 MiB to 4 GiB)
  int segment_articles = 5000;   // a bulk build starts a new segment per thread after this many;
                                 //   updates of an existing database start a new shard after
                                 //   this many (0: one segment per thread; updates go into the
                                 //   newest shard whatever its size)
};

/// How queries are scored.
struct RankingOptions {
  std::string scheme = "bm25";     // bm25, bm25+, dph, pl2, inl2, lm (Xapian's weighting schemes)
  double bm25_k1 = 1.2;
  double bm25_b = 0.75;
  double all_words_boost = 2.0;    // extra weight factor for documents matching every word,
  int all_words_min_words = 4;     //   in queries of at least this many words
  double title_boost = 0.0;        // extra query-time weight of a word's title match (0: the title
                                   //   counts through index.title_weight only)
  double prefix_weight = 0.3;      // weight of the sub-word fallback relative to whole words
  double loose_weight = 0.5;       // weight of the spelling fallback relative to whole words
  double compound_weight = 0.5;    // weight of a compound query word matched as its two words
  double number_weight = 1.0;      // weight of a number word's digits (তিন: 3) relative to the word
  double phrase_boost = 0.1;       // weight of neighbouring query words found close together
  int phrase_window = 8;           // how close: 2 = adjacent, in order; more = within that many words
  int phrase_min_words = 3;        // queries of fewer words get no proximity boost
  int rerank_depth = 10;           // the proximity boost reorders this many best candidates
                                   //   (0: it weighs in on every candidate, a far dearer match)
  int candidates = 50;             // bm25/bm25+: the best this many by a match that ignores
                                   //   document length are weighed in full and come first, the
                                   //   other matches after them (0: one match weighs them all)
  // Words that find each other, one group per string ("টিকা ভ্যাকসিন"): a query word in a group
  // matches every word of it, inflected too, all counted as one word. Single words only.
  std::vector<std::string> synonyms;
  bool news_synonyms = true;       // also the built-in groups (analyzers/news_synonyms.h): names
                                   //   spelt several ways as one word, other words for the same
  double paraphrase_weight = 0.5;  //   thing at this weight relative to the query's own word
};

/// Search defaults and limits.
struct SearchOptions {
  int default_limit = 10;
  int max_limit = 100;
  int max_offset = 10000;          // deeper pages cost more; Elasticsearch caps at 10,000 too
  int max_query_bytes = 2048;
  int max_query_terms = 64;
  int max_nesting = 16;            // parentheses depth
  int count_at_least = 1000;       // totals are exact up to this many matches, estimated beyond
  int facet_check_at_least = 20000;// documents examined for facet counts
  int facet_memory_mb = 256;       // facet values held in memory by document, for all shards
                                   //   (facet_columns.h); 0: read from the index every time
  int snippet_chars = 240;         // snippet length in characters
  int time_limit_ms = 250;         // after this, a search stops counting matches beyond its page
                                   //   (Enquire::set_time_limit); 0: no limit
  std::string highlight_start = "<mark>";
  std::string highlight_end = "</mark>";
};

/// Input field names: each field of the schema that records carry may be read from any of
/// several names; by default its own.
struct FieldMapping {
  FieldMapping();
  std::map<std::string, std::vector<std::string>> names;
};

struct Config {
  std::string db_path = "data/sondhan.db";
  IndexOptions index;
  RankingOptions ranking;
  SearchOptions search;
  FieldMapping fields;

  /// Checks ranges and consistency; the message names the bad key.
  Status validate() const;
};

/// One configuration key ("section.name" in TOML, SONDHAN_SECTION_NAME in the environment) and
/// where its value goes.
struct ConfigKey {
  std::string section;  // "" for top-level keys
  std::string name;
  std::variant<int*, double*, std::string*, std::vector<std::string>*, bool*> target;
};

/// What a program adds to the shared configuration file: its own keys (the server's [server]),
/// and the sections it leaves to other programs (the indexer skips [server]).
struct ConfigExtension {
  std::vector<ConfigKey> keys;
  std::vector<std::string> other_sections;
};

/// Reads a TOML file over the defaults, with `extension`'s keys too. Unknown keys and sections
/// are an error (a typo must not be silent), apart from extension.other_sections.
Result<Config> load_config(const std::string& path, const ConfigExtension& extension = {});

/// kInvalidArgument naming `key` when `value` is outside [lo, hi].
Status check_range(const std::string& key, double value, double lo, double hi);

/// The non-empty items of a comma-separated list ("a,b,,c" -> a, b, c), as environment
/// variables and request parameters write lists.
std::vector<std::string> split_list(std::string_view text);

/// The words of `text`, split at ASCII whitespace ("টিকা  ভ্যাকসিন " -> টিকা, ভ্যাকসিন).
std::vector<std::string> split_words(std::string_view text);

/// The variables of this process's environment, by name.
std::map<std::string, std::string> process_environment();

/// Applies SONDHAN_<SECTION>_<KEY> (e.g. SONDHAN_DB_PATH, SONDHAN_INDEX_THREADS, and with the
/// server's extension SONDHAN_SERVER_PORT) from `env`.
Status apply_environment(Config* config, const std::map<std::string, std::string>& env,
                         const ConfigExtension& extension = {});

}  // namespace sondhan::core
