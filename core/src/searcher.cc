// Searcher: request -> Xapian Enquire -> hits with snippets and facets. Converts Xapian
// exceptions to Status here, at core's boundary, and retries once after reopening when the
// indexer has moved the database on under a read (DatabaseModifiedError).
#include "sondhan/core/searcher.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <unordered_map>

#include <simdjson.h>
#include <xapian.h>

#include <nlohmann/json.hpp>

#include "document_builder.h"
#include "facet_columns.h"
#include "index_layout.h"
#include "query_builder.h"
#include "record_store.h"
#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/article.h"
#include "sondhan/core/database_layout.h"
#include "sondhan/core/fingerprint.h"
#include "sondhan/core/highlighter.h"
#include "sondhan/core/manifest.h"
#include "sondhan/core/record_codec.h"
#include "sondhan/core/schema.h"
#include "sondhan/core/utf8.h"
#include "word_terms.h"

namespace sondhan::core {
namespace {

// Docids from a posting list or a match set: Xapian then skips its check that the document
// exists (a look-up in the term-list table).
constexpr unsigned kValid = Xapian::DOC_ASSUME_VALID;
constexpr size_t kFacetValues = 20;  // values listed per facet, most frequent first

// The documents of a list, as a query: a second match over the first one's best documents
// without looking up their ids. Xapian gives a PostingSource one shard at a time, with that
// shard's own docids; the shard is told by its uuid.
class DocidSource : public Xapian::PostingSource {
 public:
  // For each shard, by uuid: its docids, ascending.
  using Lists = std::map<std::string, std::vector<Xapian::docid>>;
  explicit DocidSource(std::shared_ptr<const Lists> lists) : lists_(std::move(lists)) {}

  void init(const Xapian::Database& shard) override {
    const auto it = lists_->find(shard.get_uuid());
    mine_ = it == lists_->end() ? nullptr : &it->second;
    at_ = 0;
    started_ = false;
  }
  Xapian::doccount get_termfreq_min() const override { return size(); }
  Xapian::doccount get_termfreq_est() const override { return size(); }
  Xapian::doccount get_termfreq_max() const override { return size(); }
  void next(double) override {
    if (started_) ++at_;
    started_ = true;
  }
  void skip_to(Xapian::docid did, double) override {
    started_ = true;
    if (mine_ != nullptr) {
      at_ = static_cast<size_t>(std::lower_bound(mine_->begin() + static_cast<std::ptrdiff_t>(at_), mine_->end(), did) -
                                mine_->begin());
    }
  }
  bool at_end() const override { return at_ >= size(); }
  Xapian::docid get_docid() const override { return (*mine_)[at_]; }
  DocidSource* clone() const override { return new DocidSource(lists_); }

 private:
  Xapian::doccount size() const { return mine_ == nullptr ? 0 : static_cast<Xapian::doccount>(mine_->size()); }

  std::shared_ptr<const Lists> lists_;
  const std::vector<Xapian::docid>* mine_ = nullptr;
  size_t at_ = 0;
  bool started_ = false;
};

// BoolWeight (no weight), but asking Xapian for each posting's wdf. Xapian 1.4 (1.4.22 to 1.4.32
// at least) replaces a term that every document of a shard has by the shard's document-length
// list when the weight needs no wdf, and gives that list the term's name, which it then looks up
// when it moves to its next chunk: in a shard with a gap in its docids (an article deleted or
// moved) whose length list spans chunks, a match that walks such a term failed with
// DatabaseCorruptError ("Unexpected end of posting list").
class CountingWeight : public Xapian::Weight {
 public:
  CountingWeight() { need_stat(WDF); }
  CountingWeight* clone() const override { return new CountingWeight; }
  std::string name() const override { return "sondhan.CountingWeight"; }
  void init(double) override {}
  double get_sumpart(Xapian::termcount, Xapian::termcount, Xapian::termcount) const override { return 0; }
  double get_maxpart() const override { return 0; }
  double get_sumextra(Xapian::termcount, Xapian::termcount) const override { return 0; }
  double get_maxextra() const override { return 0; }
};

// The story key of every document of the shards, from their story columns (facet_columns.h):
// docids interleave the shards as Xapian numbers them.
class StoryKeys {
 public:
  explicit StoryKeys(std::vector<std::shared_ptr<const FacetColumn>> columns) : columns_(std::move(columns)) {}
  std::string_view of(Xapian::docid did) const {
    const auto n = static_cast<Xapian::docid>(columns_.size());
    return of((did - 1) % n, (did - 1) / n + 1);
  }
  // Of docid `did` of shard number `shard`.
  std::string_view of(size_t shard, Xapian::docid did) const { return columns_[shard]->value_of(did); }

 private:
  std::vector<std::shared_ptr<const FacetColumn>> columns_;
};

// The story key of `doc`, docid `did` of the shards' database (a document read from several
// shards knows only its docid in its own): from the story columns when there are.
std::string story_key(const StoryKeys* keys, Xapian::docid did, const Xapian::Document& doc) {
  return keys != nullptr ? std::string(keys->of(did)) : doc.get_value(kStoryKeySlot);
}

// An estimate between `lower` and `upper` given to the precision they allow, as Xapian gives its
// own: to the nearest multiple of the largest power of ten not above the smaller of the bounds'
// distance and the estimate, kept within them.
size_t rounded_estimate(size_t lower, size_t upper, size_t estimate) {
  const size_t scale = std::min(upper - lower, estimate);
  if (scale <= 10) return estimate;
  size_t step = 1;
  while (step <= scale / 10) step *= 10;
  return std::clamp((estimate + step / 2) / step * step, lower, upper);
}

// What may change a value a facet column holds, and a story column (index_layout.h).
const std::vector<std::string> kFacetGuards = {kReplacedKey};
const std::vector<std::string> kStoryGuards = {kReplacedKey, kRegroupedKey};

std::vector<FacetCount> top_values(std::vector<FacetCount> all) {
  std::sort(all.begin(), all.end(), [](const FacetCount& a, const FacetCount& b) {
    return a.count != b.count ? a.count > b.count : a.value < b.value;
  });
  if (all.size() > kFacetValues) all.resize(kFacetValues);
  return all;
}

// Reads what a hit shows from its stored record: the id, the title and body as text (for
// marking), and the schema's shown fields as their JSON text. simdjson's on-demand parser skips
// the body's escapes instead of building a tree; parsing stored records into a tree was a fifth
// of a search's time.
bool read_hit_record(simdjson::ondemand::parser& parser, const std::string& data, Hit* hit,
                     std::string* title, std::string* body) {
  static const std::set<std::string_view> kShown = [] {
    std::set<std::string_view> shown;
    for (const Field& f : schema()) {
      if (f.show && f.kind != FieldKind::kId) shown.insert(f.name);
    }
    return shown;
  }();
  const simdjson::padded_string padded(data);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(object)) return false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    simdjson::ondemand::value value = field.value();
    const bool shown = kShown.count(key) > 0;
    if (!shown && key != "id" && key != "body") continue;
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) return false;
    std::string_view raw;
    simdjson::error_code error = simdjson::SUCCESS;
    if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array a;
      error = value.get_array().get(a);
      if (!error) error = a.raw_json().get(raw);
    } else if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object o;
      error = value.get_object().get(o);
      if (!error) error = o.raw_json().get(raw);
    } else {
      raw = value.raw_json_token();
    }
    if (error) return false;
    if (shown) hit->fields.emplace_back(key, raw);
    if ((key == "id" || key == "title" || key == "body") && type == simdjson::ondemand::json_type::string) {
      std::string_view text;
      if (value.get_string().get(text)) return false;
      (key == "id" ? hit->id : key == "title" ? *title : *body) = text;
    }
  }
  return true;
}

// With `length_free`, BM25's weight without its document length normalisation (b = 0): the
// matcher then reads no document lengths, which for a common word over a million articles cost
// 30 times the rest of the match (a chunk of the length list decoded for each match). Only the
// BM25 schemes have such a variant: false for the others (and nothing set).
bool set_weighting(Xapian::Enquire& enquire, const RankingOptions& r, bool length_free = false) {
  const bool bm25 = r.scheme == "bm25" || r.scheme == "bm25+";
  if (length_free && !bm25) return false;
  const double b = length_free ? 0 : r.bm25_b;
  if (r.scheme == "bm25+") {
    enquire.set_weighting_scheme(Xapian::BM25PlusWeight(r.bm25_k1, 0, 1, b, 0.5, 1.0));
  } else if (r.scheme == "dph") {
    enquire.set_weighting_scheme(Xapian::DPHWeight());
  } else if (r.scheme == "pl2") {
    enquire.set_weighting_scheme(Xapian::PL2Weight(1.0));
  } else if (r.scheme == "inl2") {
    enquire.set_weighting_scheme(Xapian::InL2Weight(1.0));
  } else if (r.scheme == "lm") {
    enquire.set_weighting_scheme(Xapian::LMWeight());
  } else {
    enquire.set_weighting_scheme(Xapian::BM25Weight(r.bm25_k1, 0, 1, b, 0.5));
  }
  return true;
}

Xapian::valueno date_slot() { return static_cast<Xapian::valueno>(find_field("date")->slot); }

const Xapian::valueno kStoryKey = static_cast<Xapian::valueno>(kStoryKeySlot);

// The article id stored with the fingerprint (cheaper than parsing the record), or "".
std::string id_of(const Xapian::Document& doc) {
  Fingerprint fp;
  std::string id;
  return decode_fingerprint(doc.get_value(static_cast<Xapian::valueno>(kFingerprintSlot)), &fp, &id) ? id : "";
}

// Expansion terms for related articles: words only (unprefixed terms), not filters, ids,
// band terms or numbers, which say nothing about what an article is about.
class WordsOnly : public Xapian::ExpandDecider {
 public:
  bool operator()(const std::string& term) const override {
    if (!is_word_term(term)) return false;
    return !std::all_of(term.begin(), term.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  }
};

Result<std::string> date_value(const std::string& text, const char* name) {
  auto date = parse_iso_date(text);
  if (!date) {
    return Status::invalid_argument(std::string(name) + " must be a date like 2024-03-05, got '" +
                                    text + "'");
  }
  return date->ymd();
}

// Opens the database at `path` as one handle over all its shards, and sets `shards` to a handle
// on each (and `paths` to where each is); they share Xapian's internals, so reopen() of the
// whole reopens each shard's too.
// A stub that lists what sondhan does not write is opened by Xapian alone, as one shard.
// A writer may merge shards away between our reading of the stub and opening them: the stub
// then names others, so read it again (a few times; then the error stands).
Xapian::Database open_shards(const std::string& path, std::vector<Xapian::Database>* shards,
                             std::vector<std::string>* paths) {
  for (int attempt = 0;; ++attempt) {
    shards->clear();
    paths->clear();
    try {
      Xapian::Database all;
      for (const std::string& name : layout::read_stub(path)) {
        paths->push_back(path + "/" + name);
        shards->emplace_back(paths->back());
        all.add_database(shards->back());
      }
      if (shards->empty()) {
        all = Xapian::Database(path);
        shards->push_back(all);
        paths->push_back(path);
      }
      return all;
    } catch (const Xapian::DatabaseOpeningError&) {
      if (attempt >= 3) throw;
    }
  }
}

// Enquire::get_mset for a match that ranks or sorts, with the query's deferred phrase checks
// (position_filter.h) made only on the documents it would keep; without them, as it is.
Xapian::MSet ranked_mset(Xapian::Enquire& enquire, size_t first, size_t maxitems, size_t check_at_least,
                         const DeferredPositions* deferred) {
  const auto f = static_cast<Xapian::doccount>(first), n = static_cast<Xapian::doccount>(maxitems),
             c = static_cast<Xapian::doccount>(check_at_least);
  if (deferred == nullptr) return enquire.get_mset(f, n, c);
  const DeferredPositions::Scope scope(*deferred);
  return enquire.get_mset(f, n, c, nullptr, deferred);
}

// ParsedQuery::all_words and other_words, with the request's filters.
struct QuerySplit {
  Xapian::Query all_words, other_words;
};

}  // namespace

struct Searcher::Impl {
  Impl(const Config& cfg, std::optional<std::pair<uint64_t, int64_t>> identity)
      : db(open_shards(cfg.db_path, &shards, &shard_paths)), config(cfg), builder(analyzer, cfg), stub_identity(identity) {
    records.use_shards(&shards);
  }

  // Brings the handle up to date: reopen() sees new commits to the shards it has open; a
  // replaced stub (shards merged by the indexer) needs the database opened afresh. The
  // identity is always read before opening, so a swap in between only causes one more open.
  Status refresh() {
    auto now = layout::identity(config.db_path);
    if (now != stub_identity) {
      db = open_shards(config.db_path, &shards, &shard_paths);
      records.use_shards(&shards);
      months_read = {};
      stub_identity = now;
      return check_manifest();  // a rebuild may have replaced the whole database
    }
    try {
      db.reopen();
    } catch (const Xapian::DatabaseOpeningError&) {
      // Shards gone under us (merged away between our identity check and now): start over.
      stub_identity = layout::identity(config.db_path);
      db = open_shards(config.db_path, &shards, &shard_paths);
      records.use_shards(&shards);
      months_read = {};
      return check_manifest();
    }
    return manifest_error;
  }

  // Whether this binary may search the open database: it must have been built with the terms
  // this binary makes (manifest.h). An empty database has nothing to mismatch.
  Status check_manifest() {
    manifest_error = Status::ok();
    const std::string stored = db.get_metadata(kManifestKey);
    if (stored.empty()) {
      manifest.reset();
      builder.use_positions(positions_in_use(config.index.positions, nullptr));
      if (db.get_doccount() > 0) {
        manifest_error = Status::incompatible(manifest_refusal(
            config.db_path, {"it has no manifest (an earlier sondhan, or another tool, made it)"}));
      }
      return manifest_error;
    }
    auto m = Manifest::from_json(stored);
    if (!m.is_ok()) return manifest_error = Status::unavailable(m.status().message());
    manifest = m.value();
    // index.positions = "auto" reads the database as it was built (and a rebuilt one as rebuilt).
    Config used = config;
    used.index.positions = positions_in_use(config.index.positions, &*manifest);
    builder.use_positions(used.index.positions);
    const auto differences = manifest_differences(*manifest, current_manifest(used), ManifestUse::kRead);
    if (!differences.empty()) manifest_error = Status::incompatible(manifest_refusal(config.db_path, differences));
    return manifest_error;
  }

  std::vector<Xapian::Database> shards;  // each of db's shards, for counting (count_matches)
  std::vector<std::string> shard_paths;  // where each is (the facet columns' key)
  Xapian::Database db;                   // all of them (declared after: opened with them)
  Config config;
  analyzers::Analyzer analyzer;
  QueryBuilder builder;
  simdjson::ondemand::parser json_parser;
  RecordReader records;  // the hits' stored records, with the shards' dictionaries
  std::optional<std::pair<uint64_t, int64_t>> stub_identity;
  std::optional<Manifest> manifest;  // how the open database was built, when it says
  Status manifest_error;             // why it cannot be searched, or ok

  // Words expand to the spelling variants this database has seen (its synonym table).
  VariantLookup variant_lookup() {
    return [this](const std::string& key, std::vector<std::string>* stems) {
      for (auto it = db.synonyms_begin(key); it != db.synonyms_end(key); ++it) stems->push_back(word_of_term(*it));
    };
  }

  // A compound query word is split where this database holds both halves most often.
  TermFrequency term_frequency() {
    return [this](const std::string& word) { return db.get_termfreq(word_term(word)); };
  }

  HighlightOptions highlight_options() const {
    HighlightOptions hl;
    hl.start_tag = config.search.highlight_start;
    hl.end_tag = config.search.highlight_end;
    hl.snippet_chars = static_cast<size_t>(config.search.snippet_chars);
    return hl;
  }

  Result<SearchResult> run(const SearchRequest& request);
  void add_versions(const Xapian::Query& query, const std::map<std::string, size_t>& story_hits,
                    const StoryKeys* keys, std::vector<Hit>* hits);
  ArticleRef article_ref(Xapian::docid docid, double score);
  Result<Xapian::Query> filters(const SearchRequest& request);
  std::optional<Xapian::Query> documents(const std::vector<Xapian::docid>& docids);
  std::optional<StoryKeys> story_keys();
  bool weigh_candidates(Xapian::Enquire& enquire, const Xapian::Query& query, const QuerySplit* split,
                        const DeferredPositions* deferred, const StoryKeys* keys, bool collapse, size_t first,
                        size_t fetch, size_t check, std::vector<std::pair<Xapian::docid, double>>* ranked,
                        SearchResult* result);
  // How many documents a match found: bounds and Xapian's estimate.
  struct MatchCounts {
    Xapian::doccount lower = 0, upper = 0, estimated = 0;
  };
  // The best `n` documents of a match, best first, and its counts.
  struct BestMatches {
    std::vector<Xapian::docid> docids;
    MatchCounts counts;
  };
  BestMatches best_matches(Xapian::Enquire& cheap, const Xapian::Query& query, const QuerySplit* split, size_t n,
                           size_t check, const DeferredPositions* deferred);
  bool stories_from_columns(Xapian::Enquire& cheap, const Xapian::Query& query, const QuerySplit* split,
                            const DeferredPositions* deferred, const StoryKeys& keys, size_t candidates, size_t check,
                            std::vector<Xapian::docid>* docids, std::vector<std::string>* story_keys,
                            Xapian::doccount* most, SearchResult* result);
  size_t count_stories(const Xapian::Query& query, const StoryKeys& keys, Xapian::doccount matches);
  std::vector<Xapian::docid> first_matches(const Xapian::Database& shard, const Xapian::Query& query,
                                           Xapian::doccount n, bool time_limited) const;
  void rerank_by_proximity(const Xapian::Query& proximity, size_t top,
                           std::vector<std::pair<Xapian::docid, double>>* ranked);
  bool rerank_by_positions(const std::vector<ProximityPair>& pairs, size_t top,
                           std::vector<std::pair<Xapian::docid, double>>* ranked);
  bool date_window_page(Xapian::Enquire& enquire, const Xapian::Query& query, const DeferredPositions* deferred,
                        bool newest_first, size_t first, size_t fetch, Xapian::MSet* mset);
  // The month terms, oldest first, with their article counts: read once per revision of the
  // shards, since reading a few hundred terms' counts took half of a date-sorted search's median
  // (3 of 6 ms) at a million articles.
  struct Months {
    std::vector<Xapian::rev> revisions;  // of each shard, when read; empty: not cached
    std::vector<std::pair<std::string, Xapian::doccount>> terms;
    Xapian::doccount dated = 0;  // articles with a month
  };
  Months months_read;
  const Months& months();
  std::vector<Xapian::rev> revisions() const;
  MatchCounts count_matches(const Xapian::Query& query, size_t check);
  void count_facets(const Xapian::Query& query, const std::vector<std::string>& facets, size_t check,
                    SearchResult* result);
};

// Each shard's revision, which every commit to it raises; empty when the shards are not known
// apart (a database Xapian opened from a stub by itself).
std::vector<Xapian::rev> Searcher::Impl::revisions() const {
  if (db.size() == 1) return {db.get_revision()};
  std::vector<Xapian::rev> all;
  if (shards.size() != db.size()) return all;
  for (const Xapian::Database& shard : shards) all.push_back(shard.get_revision());
  return all;
}

const Searcher::Impl::Months& Searcher::Impl::months() {
  std::vector<Xapian::rev> now = revisions();
  if (!now.empty() && now == months_read.revisions) return months_read;
  months_read = {};
  const std::string prefix(find_field("month")->prefix);
  for (Xapian::TermIterator t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
    months_read.terms.emplace_back(*t, t.get_termfreq());
    months_read.dated += t.get_termfreq();
  }
  months_read.revisions = std::move(now);
  return months_read;
}

// A page sorted by date, read from the newest (or oldest) months first. Sorting by date means
// reading the date of every match: a browse page of a million articles sorted a million dates
// (0.7 s). The months come from their terms' frequencies (a few hundred terms, read once per
// revision of the shards: months()); the window of months that should hold the page is
// searched alone. A month is the article's own calendar month while the sort is by instant
// (UTC), so an article outside the window can be up to 14 hours (the widest time zone) inside
// it: the page is the whole archive's only if its last hit is further inside than that, and
// every article outside is then behind it. Otherwise the window grows, by the share of it the
// query matched, and after a few tries the whole archive is sorted as before. Articles without
// a date sort last newest-first and first oldest-first: with any, oldest-first takes no window.
// Returns false when it gave up (`mset` untouched); `enquire` keeps its query either way.
bool Searcher::Impl::date_window_page(Xapian::Enquire& enquire, const Xapian::Query& query,
                                      const DeferredPositions* deferred, bool newest_first, size_t first,
                                      size_t fetch, Xapian::MSet* mset) {
  constexpr double kWidestZoneSeconds = 14 * 3600;
  constexpr int kTries = 4;
  if (fetch == 0) return false;
  const std::string prefix(find_field("month")->prefix);
  const Months& read = this->months();
  const std::vector<std::pair<std::string, Xapian::doccount>>& terms = read.terms;  // oldest first
  if (terms.empty() || (!newest_first && read.dated < db.get_doccount())) return false;
  // The i-th month in the order of the sort (read in place: the cached list is not copied).
  auto month_at = [&](size_t i) -> const std::pair<std::string, Xapian::doccount>& {
    return terms[newest_first ? terms.size() - 1 - i : i];
  };
  // The instant an article outside a window ending with month `m` cannot reach.
  auto edge = [&](const std::string& term) -> std::optional<double> {
    const std::string month = term.substr(prefix.size());  // "2024-03"
    auto start = parse_iso_date(month + "-01");
    if (!start) return std::nullopt;
    if (newest_first) return static_cast<double>(start->epoch_seconds) + kWidestZoneSeconds;
    int year = 0, number = 0;
    if (std::sscanf(month.c_str(), "%d-%d", &year, &number) != 2) return std::nullopt;
    char next[32];
    std::snprintf(next, sizeof next, "%04d-%02d-01", number == 12 ? year + 1 : year, number == 12 ? 1 : number + 1);
    auto after = parse_iso_date(next);
    if (!after) return std::nullopt;
    return static_cast<double>(after->epoch_seconds) - kWidestZoneSeconds;
  };
  const size_t wanted = first + fetch;
  double needed = static_cast<double>(wanted);  // articles the window should hold
  size_t taken = 0;
  Xapian::doccount held = 0;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    while (taken < terms.size() && (held < needed || taken == 0)) held += month_at(taken++).second;
    if (taken >= terms.size()) break;  // the whole archive: sort it all
    const std::optional<double> bound = edge(month_at(taken - 1).first);
    if (!bound) break;
    std::vector<Xapian::Query> window;
    for (size_t i = 0; i < taken; ++i) window.emplace_back(month_at(i).first);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query,
                                    Xapian::Query(Xapian::Query::OP_OR, window.begin(), window.end())));
    Xapian::MSet page = ranked_mset(enquire, first, fetch, wanted, deferred);
    if (page.size() == fetch) {
      const double last = Xapian::sortable_unserialise(page[page.size() - 1].get_sort_key());
      if (newest_first ? last >= *bound : last <= *bound) {
        enquire.set_query(query);
        *mset = std::move(page);
        return true;
      }
    }
    // Grow by what the query matched of the window (at least four times as many articles).
    const double matched = static_cast<double>(page.get_matches_lower_bound());
    const double share = std::max(matched / std::max<double>(held, 1), 1e-3);
    needed = std::max(static_cast<double>(held) * 4, static_cast<double>(wanted) / share * 1.5);
  }
  enquire.set_query(query);
  return false;
}

// The matches of a query whose page was not found by ranking every match, counted as any search
// counts them (exact up to `check` matches), without sorting or weighing. Shard by shard: on one
// shard Xapian stops at `check` matches and estimates the rest from its statistics, but over
// several it walked every match (a browse page of a million articles in three shards: 71 ms
// against 0.2 ms shard by shard).
Searcher::Impl::MatchCounts Searcher::Impl::count_matches(const Xapian::Query& query, size_t check) {
  MatchCounts counts;
  for (const Xapian::Database& shard : shards) {
    Xapian::Enquire counter(shard);
    counter.set_query(query);
    counter.set_weighting_scheme(CountingWeight());
    if (config.search.time_limit_ms > 0) counter.set_time_limit(config.search.time_limit_ms / 1000.0);
    const Xapian::MSet counted = counter.get_mset(0, 0, static_cast<Xapian::doccount>(check));
    counts.estimated += counted.get_matches_estimated();
    counts.lower += counted.get_matches_lower_bound();
    counts.upper += counted.get_matches_upper_bound();
  }
  return counts;
}

// The first `n` documents of `shard` matching `query`, in docid order, from a match without
// weights, which Xapian stops once it has them (within search.time_limit_ms if `time_limited`).
std::vector<Xapian::docid> Searcher::Impl::first_matches(const Xapian::Database& shard, const Xapian::Query& query,
                                                         Xapian::doccount n, bool time_limited) const {
  Xapian::Enquire matcher(shard);
  matcher.set_query(query);
  matcher.set_weighting_scheme(CountingWeight());
  matcher.set_docid_order(Xapian::Enquire::ASCENDING);
  if (time_limited && config.search.time_limit_ms > 0) matcher.set_time_limit(config.search.time_limit_ms / 1000.0);
  const Xapian::MSet matched = matcher.get_mset(0, n);
  std::vector<Xapian::docid> docids;
  docids.reserve(matched.size());
  for (Xapian::MSetIterator it = matched.begin(); it != matched.end(); ++it) docids.push_back(*it);
  std::sort(docids.begin(), docids.end());
  return docids;
}

// Counts the values of each facet in the first `check` documents matching `query`, shard by
// shard in index order. The documents come from a match without weights, which Xapian stops
// once it has them; each facet's values are then read from the shard's facet column
// (facet_columns.h), or, when it has none, by walking the facet's value stream in docid order.
// Counting through match spies read each document's value on its own (a B-tree look-up each)
// and made the match weigh all those documents: 17 ms per facet over 20,000 documents at a
// million articles.
void Searcher::Impl::count_facets(const Xapian::Query& query, const std::vector<std::string>& facets,
                                  size_t check, SearchResult* result) {
  std::vector<std::map<std::string, size_t>> counts(facets.size());
  const size_t budget = static_cast<size_t>(config.search.facet_memory_mb) << 20;
  size_t left = check;
  for (size_t i = 0; i < shards.size() && left > 0; ++i) {
    const Xapian::Database& shard = shards[i];
    const std::vector<Xapian::docid> docids =
        first_matches(shard, query, static_cast<Xapian::doccount>(left), /*time_limited=*/true);
    left -= docids.size();
    if (docids.empty()) continue;
    for (size_t f = 0; f < facets.size(); ++f) {
      const Field& field = *find_filter(facets[f]);
      const auto slot = static_cast<Xapian::valueno>(field.slot);
      const bool list = field.kind == FieldKind::kKeywordList;
      if (auto column = FacetColumns::shared().get(shard_paths[i], shard, slot, list, budget, kFacetGuards)) {
        std::vector<size_t> found;
        column->count(docids, &found);
        for (size_t v = 0; v < found.size(); ++v) {
          if (found[v] != 0) counts[f][column->values()[v]] += found[v];
        }
        continue;
      }
      Xapian::ValueIterator v = shard.valuestream_begin(slot);
      const Xapian::ValueIterator end = shard.valuestream_end(slot);
      for (const Xapian::docid did : docids) {
        v.skip_to(did);
        if (v == end) break;
        if (v.get_docid() != did) continue;  // no value for this document
        // A multi-valued slot (authors, tags): each entry counts.
        for_each_entry(*v, list, kListSeparator, [&](std::string_view entry) { ++counts[f][std::string(entry)]; });
      }
    }
  }
  for (size_t f = 0; f < facets.size(); ++f) {
    std::vector<FacetCount> all;
    for (const auto& [value, count] : counts[f]) all.push_back({value, count});
    result->facets[facets[f]] = top_values(std::move(all));
  }
}

Searcher::Searcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Searcher::~Searcher() = default;

Result<std::unique_ptr<Searcher>> Searcher::open(const Config& config) {
  try {
    const auto identity = layout::identity(config.db_path);  // before opening: see refresh()
    auto impl = std::make_unique<Impl>(config, identity);
    if (Status s = impl->check_manifest(); !s.is_ok()) return s;
    return std::unique_ptr<Searcher>(new Searcher(std::move(impl)));
  } catch (const Xapian::Error& e) {
    return Status::unavailable("cannot open database " + config.db_path + ": " + e.get_description());
  }
}

// Runs `fn` against a freshly reopened database; on DatabaseModifiedError (the writer committed
// twice while it read, and glass reused the blocks of the revision it had open) reopens and runs
// it again, kAttempts times in all: a stream of small commits can catch a search twice running
// on a busy machine. Any other Xapian error becomes a Status.
template <typename T, typename Impl, typename Fn>
Result<T> with_reopen(Impl& impl, Fn&& fn) {
  constexpr int kAttempts = 4;
  for (int attempt = 0;; ++attempt) {
    try {
      if (Status s = impl.refresh(); !s.is_ok()) return s;
      return fn();
    } catch (const Xapian::DatabaseModifiedError& e) {
      if (attempt + 1 >= kAttempts) {
        return Status::unavailable("database changed during the search " + std::to_string(kAttempts) +
                                   " times: " + e.get_msg());
      }
    } catch (const Xapian::DatabaseOpeningError& e) {
      return Status::unavailable("database cannot be opened: " + e.get_msg());
    } catch (const Xapian::DatabaseError& e) {
      return Status::unavailable("database error: " + e.get_description());
    } catch (const Xapian::InvalidArgumentError& e) {
      return Status::invalid_argument(e.get_msg());
    } catch (const Xapian::Error& e) {
      return Status::internal(e.get_description());
    }
  }
}

Result<Xapian::Query> Searcher::Impl::filters(const SearchRequest& request) {
  std::vector<Xapian::Query> parts;
  for (const auto& [name, values] : request.filters) {
    const Field* field = find_filter(name);
    if (field == nullptr || !field->filter) return Status::invalid_argument("unknown filter '" + name + "'");
    if (values.empty()) continue;
    std::vector<Xapian::Query> alternatives;
    for (const std::string& v : values) alternatives.emplace_back(filter_term(analyzer, field->prefix, v));
    parts.emplace_back(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
  }
  std::string from, to;
  if (request.from_date) {
    auto v = date_value(*request.from_date, "from");
    if (!v.is_ok()) return v.status();
    from = v.value();
  }
  if (request.to_date) {
    auto v = date_value(*request.to_date, "to");
    if (!v.is_ok()) return v.status();
    to = v.value();
  }
  if (!from.empty() && !to.empty()) {
    if (from > to) return Status::invalid_argument("from is after to");
    parts.emplace_back(Xapian::Query::OP_VALUE_RANGE, date_slot(), from, to);
  } else if (!from.empty()) {
    parts.emplace_back(Xapian::Query::OP_VALUE_GE, date_slot(), from);
  } else if (!to.empty()) {
    parts.emplace_back(Xapian::Query::OP_VALUE_LE, date_slot(), to);
  }
  if (parts.empty()) return Xapian::Query();
  return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

// The documents `docids` (of db) as a query (DocidSource), or nothing when the shards cannot
// be told apart: a stub Xapian opened alone, or shards copied with their uuids.
std::optional<Xapian::Query> Searcher::Impl::documents(const std::vector<Xapian::docid>& docids) {
  std::vector<std::string> uuids;
  for (const Xapian::Database& shard : shards) uuids.push_back(shard.get_uuid());
  if (shards.size() != db.size() || std::set<std::string>(uuids.begin(), uuids.end()).size() != uuids.size()) {
    return std::nullopt;
  }
  // Docids interleave the shards: the first document of each shard, then the second, ...
  const auto by_shard = std::make_shared<DocidSource::Lists>();
  const auto n = static_cast<Xapian::doccount>(shards.size());
  for (const Xapian::docid did : docids) (*by_shard)[uuids[(did - 1) % n]].push_back((did - 1) / n + 1);
  for (auto& [uuid, list] : *by_shard) std::sort(list.begin(), list.end());
  return Xapian::Query((new DocidSource(by_shard))->release());  // owned by the query
}

// The shards' story columns, or nothing when one cannot be had (facet_columns.h: out of the
// memory budget, or being read) or the docids may not interleave the shards.
std::optional<StoryKeys> Searcher::Impl::story_keys() {
  if (shards.size() != db.size() || shards.empty()) return std::nullopt;
  const size_t budget = static_cast<size_t>(config.search.facet_memory_mb) << 20;
  std::vector<std::shared_ptr<const FacetColumn>> columns;
  bool all = true;
  for (size_t i = 0; i < shards.size(); ++i) {
    // Read in the background: after a commit that regrouped a story in the large shard of a
    // million articles, reading its column again took a search 56-101 ms. Every shard's is
    // asked for, so that their reads start together.
    auto column = FacetColumns::shared().get(shard_paths[i], shards[i], kStoryKey, /*list=*/false, budget,
                                             kStoryGuards, /*wait=*/false);
    all = all && column != nullptr;
    columns.push_back(std::move(column));
  }
  if (!all) return std::nullopt;
  return StoryKeys(std::move(columns));
}

// The first match of weigh_candidates() with its stories collapsed here, by the story columns,
// instead of by Xapian: its collapser read the story key of every match it considered from the
// value stream (a thousand at a million articles, to count them: 107 of a known-item search's
// 619 preads). The match keeps twice `candidates` (more would lower the weight below which it
// skips documents once it has counted `check`: three times made the first match of the topical
// queries as slow as Xapian's collapse); the first of each story among them, in
// their order, are the best `candidates` stories, those Xapian's collapse keeps. The total
// counts the stories of every match when there are at most `check` (those of a match without
// weights, when the first did not keep them all), else is the matches' estimate scaled by the
// share of stories among those kept, as Xapian scales its own. Sets `docids` and `story_keys` to
// the candidates, the total in `result`, and in `most` the most stories there can be. False,
// with the match wasted, when fewer than `candidates` stories are among those kept and there
// may be more.
bool Searcher::Impl::stories_from_columns(Xapian::Enquire& cheap, const Xapian::Query& query,
                                          const QuerySplit* split, const DeferredPositions* deferred,
                                          const StoryKeys& keys, size_t candidates, size_t check,
                                          std::vector<Xapian::docid>* docids,
                                          std::vector<std::string>* story_keys, Xapian::doccount* most,
                                          SearchResult* result) {
  const BestMatches top = best_matches(cheap, query, split, 2 * candidates, check, deferred);
  std::unordered_set<std::string_view> seen;
  size_t alone = 0;  // matches with no story key: a story each
  for (const Xapian::docid did : top.docids) {
    const std::string_view key = keys.of(did);
    const bool first_of_story = key.empty() ? (++alone, true) : seen.insert(key).second;
    if (first_of_story && docids->size() < candidates) {
      docids->push_back(did);
      story_keys->emplace_back(key);
    }
  }
  const Xapian::doccount lower = top.counts.lower, upper = top.counts.upper;
  const bool every_match = top.docids.size() >= upper;
  if (docids->size() < candidates && !every_match) return false;
  if (every_match || (lower == upper && upper <= check)) {
    const size_t stories = every_match ? alone + seen.size() : count_stories(query, keys, upper);
    result->total = *most = static_cast<Xapian::doccount>(stories);
    result->total_is_exact = true;
    return true;
  }
  const size_t stories = alone + seen.size();
  *most = upper - static_cast<Xapian::doccount>(top.docids.size() - stories);
  const double share = static_cast<double>(stories) / static_cast<double>(top.docids.size());
  const auto estimate = static_cast<size_t>(top.counts.estimated * share + 0.5);
  result->total = rounded_estimate(stories, *most, std::clamp<size_t>(estimate, stories, *most));
  result->total_is_exact = stories == *most;
  return true;
}

// The first match of weigh_candidates(): the best `n` matches of `query` by `cheap`'s weights,
// best first, and how many there are. With a split (ParsedQuery::all_words), the best `n` with
// every word come first, from an AND that the rarest word leads; the last of their weights is a
// floor that the other matches must reach, and a match of those that starts at it skips what
// cannot, where Xapian, ranking the whole query, works its way up to a lower floor against
// looser bounds. The heaviest topical query at a million articles (`করোনা টিকা সংগ্রহ বাংলাদেশ`,
// eight posting lists of 552 to 240,377 articles): 15-17 ms for this match whole, 10-13 ms
// split, in the same rounds. The counts are then a match without weights that stops after
// `check` (or `n`, as Xapian's own count would), shard by shard. The split adds up an all-words
// article's weight in another order than the whole query, which can only reorder weights equal
// to rounding at the n-th place.
Searcher::Impl::BestMatches Searcher::Impl::best_matches(Xapian::Enquire& cheap, const Xapian::Query& query,
                                                         const QuerySplit* split, size_t n, size_t check,
                                                         const DeferredPositions* deferred) {
  BestMatches best;
  const auto wanted = static_cast<Xapian::doccount>(n);
  if (split != nullptr && n > 0) {
    cheap.set_query(split->all_words);
    const Xapian::MSet all = ranked_mset(cheap, 0, n, 0, deferred);
    if (all.size() == wanted) {
      // Less a rounding's worth: the split adds up a document's weights in another order.
      const double floor = all[wanted - 1].get_weight() * (1 - 1e-9);
      cheap.set_query(split->other_words);
      cheap.set_cutoff(0, floor);
      const Xapian::MSet others = ranked_mset(cheap, 0, n, 0, deferred);
      cheap.set_cutoff(0, 0);
      cheap.set_query(query);
      // Both in Xapian's order: by weight, then by docid.
      std::vector<std::pair<double, Xapian::docid>> merged;
      merged.reserve(all.size() + others.size());
      for (const Xapian::MSet* part : {&all, &others}) {
        for (Xapian::MSetIterator it = part->begin(); it != part->end(); ++it) merged.emplace_back(-it.get_weight(), *it);
      }
      std::sort(merged.begin(), merged.end());
      merged.resize(n);
      for (const auto& [weight, did] : merged) best.docids.push_back(did);
      best.counts = count_matches(query, std::max(check, n));
      return best;
    }
  }
  cheap.set_query(query);
  const Xapian::MSet top = ranked_mset(cheap, 0, n, check, deferred);
  for (Xapian::MSetIterator it = top.begin(); it != top.end(); ++it) best.docids.push_back(*it);
  best.counts = {top.get_matches_lower_bound(), top.get_matches_upper_bound(), top.get_matches_estimated()};
  return best;
}

// The stories among the `matches` documents matching `query` (all of them), shard by shard in
// docid order, without weights.
size_t Searcher::Impl::count_stories(const Xapian::Query& query, const StoryKeys& keys, Xapian::doccount matches) {
  std::unordered_set<std::string_view> seen;
  size_t alone = 0;
  for (size_t i = 0; i < shards.size(); ++i) {
    for (const Xapian::docid did : first_matches(shards[i], query, matches, /*time_limited=*/false)) {
      const std::string_view key = keys.of(i, did);
      if (key.empty()) {
        ++alone;
      } else {
        seen.insert(key);
      }
    }
  }
  return alone + seen.size();
}

// A relevance-ranked page in two matches: the best `ranking.candidates` by BM25 without its
// length normalisation (set_weighting's length_free), then the page among those by the full
// weights (the same collection statistics: the filter changes no weight). Reading every
// match's document length is what the first match saves; the second reads the candidates'
// only. The order is then the candidates by their full weights, then every other match by its
// full weight (their stories left out when collapsing), so that pages beyond the candidates
// neither repeat nor skip a hit. Sets `ranked` to the page (docid, weight), and the total.
// Returns false, with nothing done, when the scheme has no weight without lengths or the shards
// cannot be told apart.
bool Searcher::Impl::weigh_candidates(Xapian::Enquire& enquire, const Xapian::Query& query, const QuerySplit* split,
                                      const DeferredPositions* deferred, const StoryKeys* keys, bool collapse,
                                      size_t first, size_t fetch, size_t check,
                                      std::vector<std::pair<Xapian::docid, double>>* ranked, SearchResult* result) {
  const auto candidates = static_cast<size_t>(config.ranking.candidates);
  if (candidates == 0) return false;
  Xapian::Enquire cheap(db);
  if (!set_weighting(cheap, config.ranking, /*length_free=*/true)) return false;
  if (config.search.time_limit_ms > 0) cheap.set_time_limit(config.search.time_limit_ms / 1000.0);
  std::vector<Xapian::docid> docids;
  std::vector<std::string> pool_keys;  // with `collapse`, each candidate's story key
  Xapian::doccount upper = 0;          // at most this many matches (stories, with `collapse`)
  if (!collapse) {
    BestMatches pool = best_matches(cheap, query, split, candidates, check, deferred);
    docids = std::move(pool.docids);
    result->total = pool.counts.estimated;
    result->total_is_exact = pool.counts.lower == pool.counts.upper;
    upper = pool.counts.upper;
  } else if (keys == nullptr || !stories_from_columns(cheap, query, split, deferred, *keys, candidates, check,
                                                      &docids, &pool_keys, &upper, result)) {
    docids.clear();
    pool_keys.clear();
    cheap.set_collapse_key(kStoryKey);  // as `enquire` does
    cheap.set_query(query);
    const Xapian::MSet pool = ranked_mset(cheap, 0, candidates, check, deferred);
    for (Xapian::MSetIterator it = pool.begin(); it != pool.end(); ++it) {
      docids.push_back(*it);
      pool_keys.push_back(it.get_collapse_key());
    }
    result->total = pool.get_matches_estimated();
    result->total_is_exact = pool.get_matches_lower_bound() == pool.get_matches_upper_bound();
    upper = pool.get_matches_upper_bound();
  }
  const std::optional<Xapian::Query> within = documents(docids);
  if (!within) return false;
  const size_t held = docids.size();
  const size_t end = first + fetch;
  if (first < held) {
    // The candidates are one per story already: nothing to collapse, and no story key to read.
    enquire.set_collapse_key(Xapian::BAD_VALUENO);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, *within));
    const Xapian::MSet head = enquire.get_mset(static_cast<Xapian::doccount>(first),
                                               static_cast<Xapian::doccount>(std::min(end, held) - first));
    for (Xapian::MSetIterator it = head.begin(); it != head.end(); ++it) ranked->emplace_back(*it, it.get_weight());
    if (collapse) enquire.set_collapse_key(kStoryKey);
  }
  // Past the candidates, when the match had (or, stopped by the time limit, may have had) more:
  // the rest, without the candidates (or their stories' other articles).
  if (end > held && (held == candidates || upper > held)) {
    std::vector<Xapian::Query> taken = {*within};
    for (const std::string& key : pool_keys) {
      if (key.empty()) continue;
      for (const std::string& term : story_terms(key)) taken.emplace_back(term);
    }
    enquire.set_query(Xapian::Query(Xapian::Query::OP_AND_NOT, query,
                                    Xapian::Query(Xapian::Query::OP_OR, taken.begin(), taken.end())));
    const size_t from = std::max(first, held) - held;
    const Xapian::MSet tail = ranked_mset(enquire, from, end - std::max(first, held), 0, deferred);
    for (Xapian::MSetIterator it = tail.begin(); it != tail.end(); ++it) ranked->emplace_back(*it, it.get_weight());
  }
  enquire.set_query(query);
  return true;
}

// Reorders the first `top` of *ranked (documents and their weights for the query) by those
// weights plus what `proximity` (the query's neighbouring words found close together) gives
// them: a second match of `proximity` alone, over those documents only (DocidSource). Collection
// statistics do not depend on that filter, and positions are read for `top` documents instead
// of for every candidate. Matching the whole query again over them, as this once did, searched
// every one of its posting lists (synonyms and fallbacks included) for every document.
void Searcher::Impl::rerank_by_proximity(const Xapian::Query& proximity, size_t top,
                                         std::vector<std::pair<Xapian::docid, double>>* ranked) {
  if (top < 2) return;
  std::vector<Xapian::docid> docids;
  for (size_t i = 0; i < top; ++i) docids.push_back((*ranked)[i].first);
  const std::optional<Xapian::Query> within = documents(docids);
  if (!within) return;  // the first order stands
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, proximity, *within));
  set_weighting(enquire, config.ranking);
  const Xapian::MSet near = enquire.get_mset(0, static_cast<Xapian::doccount>(top));
  if (near.empty()) return;
  std::unordered_map<Xapian::docid, double> extra;
  for (Xapian::MSetIterator it = near.begin(); it != near.end(); ++it) extra.emplace(*it, it.get_weight());
  for (size_t i = 0; i < top; ++i) {
    if (auto e = extra.find((*ranked)[i].first); e != extra.end()) (*ranked)[i].second += e->second;
  }
  // Stable: equal weights keep the match's order.
  std::stable_sort(ranked->begin(), ranked->begin() + static_cast<std::ptrdiff_t>(top),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
}

// rerank_by_proximity() for positions kept in a value, with the same weights and fewer reads
// (at a million articles a quarter of a known-item search's preads were the rerank's): its
// match opened two posting lists a pair, so each word between two others twice, and read each
// document's positions once a pair. Here each of the `top` documents' positions are read once,
// to find which pairs stand close together in it, and each word of those pairs is weighed in
// the documents where it counts by a match of that word alone over them, scaled as the pairs
// are: a pair's weight was its two words' weights (Xapian weighs an AND as the sum of its
// terms, and the filter adds none). A pair counts where both its words are: a word's match
// finds the documents that have it, as the pair's AND did. Returns false, with nothing done,
// when the shards cannot be told apart.
bool Searcher::Impl::rerank_by_positions(const std::vector<ProximityPair>& pairs, size_t top,
                                         std::vector<std::pair<Xapian::docid, double>>* ranked) {
  if (top < 2) return true;
  std::vector<PositionMatcher> matchers;
  for (const ProximityPair& pair : pairs) matchers.emplace_back(pair.pattern);
  PositionMatcher::Scratch scratch;
  std::vector<std::vector<size_t>> close(top);  // for each document, the pairs close together in it
  std::map<std::pair<std::string, double>, std::vector<Xapian::docid>> wanted;  // (term, factor) -> documents
  for (size_t i = 0; i < top; ++i) {
    const Xapian::docid did = (*ranked)[i].first;
    const std::string positions = db.get_document(did, kValid).get_value(static_cast<Xapian::valueno>(kPositionsSlot));
    if (positions.empty()) continue;
    for (size_t p = 0; p < pairs.size(); ++p) {
      if (!matchers[p].matches(positions, &scratch)) continue;
      close[i].push_back(p);
      wanted[{pairs[p].first, pairs[p].factor}].push_back(did);
      wanted[{pairs[p].second, pairs[p].factor}].push_back(did);
    }
  }
  std::map<std::pair<std::string, double>, std::unordered_map<Xapian::docid, double>> weights;
  for (auto& [word, docids] : wanted) {
    std::sort(docids.begin(), docids.end());
    docids.erase(std::unique(docids.begin(), docids.end()), docids.end());
    const std::optional<Xapian::Query> within = documents(docids);
    if (!within) return false;
    Xapian::Enquire enquire(db);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                    Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(word.first), *within),
                                    word.second));
    set_weighting(enquire, config.ranking);
    const Xapian::MSet found = enquire.get_mset(0, static_cast<Xapian::doccount>(docids.size()));
    auto& of_word = weights[word];
    for (Xapian::MSetIterator it = found.begin(); it != found.end(); ++it) of_word.emplace(*it, it.get_weight());
  }
  for (size_t i = 0; i < top; ++i) {
    const Xapian::docid did = (*ranked)[i].first;
    double extra = 0;
    for (const size_t p : close[i]) {
      const auto& first = weights[{pairs[p].first, pairs[p].factor}];
      const auto& second = weights[{pairs[p].second, pairs[p].factor}];
      const auto a = first.find(did), b = second.find(did);
      if (a != first.end() && b != second.end()) extra += a->second + b->second;
    }
    (*ranked)[i].second += extra;
  }
  // Stable: equal weights keep the match's order.
  std::stable_sort(ranked->begin(), ranked->begin() + static_cast<std::ptrdiff_t>(top),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return true;
}

Result<SearchResult> Searcher::Impl::run(const SearchRequest& request) {
  for (const std::string& f : request.facets) {
    const Field* field = find_filter(f);
    if (field == nullptr || !field->facet) {
      std::string known;
      for (const std::string& name : facet_names()) known += (known.empty() ? "" : ", ") + name;
      return Status::invalid_argument("unknown facet '" + f + "' (known: " + known + ")");
    }
  }
  auto filter = filters(request);
  if (!filter.is_ok()) return filter.status();

  return with_reopen<SearchResult>(*this, [&]() -> Result<SearchResult> {
    // Parsed against the database: words expand to the spelling variants it has seen.
    auto parsed = builder.parse(request.query, variant_lookup(), term_frequency());
    if (!parsed.is_ok()) return parsed.status();
    Xapian::Query query = parsed->query;
    if (!filter->empty()) query = Xapian::Query(Xapian::Query::OP_FILTER, query, filter.value());

    SortOrder sort = request.sort;
    // Without words to rank by, newest first is the only useful order.
    if (sort == SortOrder::kRelevance && !parsed->has_text) sort = SortOrder::kDateDescending;
    // Proximity decides the order of the best candidates, not which documents match, and
    // checking positions over long posting lists was half a search's time (and nearly all of
    // it for queries of many common words): it reranks the first rerank_depth candidates only.
    const auto depth = static_cast<size_t>(config.ranking.rerank_depth);
    const bool has_proximity = sort == SortOrder::kRelevance && !parsed->proximity.empty();
    const bool rerank = has_proximity && depth > 0 && request.offset < depth;
    if (has_proximity && depth == 0) {
      query = Xapian::Query(Xapian::Query::OP_AND_MAYBE, query, parsed->proximity);
    }
    // The query's split (weigh_candidates' first match), with the same filter; none when the
    // proximity weight is in the query itself.
    std::optional<QuerySplit> split;
    if (!parsed->all_words.empty() && !(has_proximity && depth == 0)) {
      split = QuerySplit{parsed->all_words, parsed->other_words};
      if (!filter->empty()) {
        for (Xapian::Query* part : {&split->all_words, &split->other_words}) {
          *part = Xapian::Query(Xapian::Query::OP_FILTER, *part, filter.value());
        }
      }
    }

    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    set_weighting(enquire, config.ranking);
    // A query of many common words over a large archive: stop counting beyond the page after
    // the time limit (the total becomes an estimate) rather than walking every posting list.
    if (config.search.time_limit_ms > 0) enquire.set_time_limit(config.search.time_limit_ms / 1000.0);
    // One hit per story: near-duplicates share a story key (story_grouper.h); an article
    // without copies has none and is never collapsed.
    const bool collapse = request.collapse && sort == SortOrder::kRelevance;
    if (collapse) enquire.set_collapse_key(kStoryKey);
    // The story key of each document, held in memory: read from Xapian's values, it was a sixth
    // of a known-item search's preads at a million articles.
    const std::optional<StoryKeys> keys = collapse ? story_keys() : std::nullopt;
    if (sort != SortOrder::kRelevance) {
      enquire.set_sort_by_value_then_relevance(static_cast<Xapian::valueno>(find_field("date")->sort_slot),
                                               sort == SortOrder::kDateDescending);
      // Relevance only breaks ties of the same second: not worth every match's length.
      set_weighting(enquire, config.ranking, /*length_free=*/true);
    }

    const size_t wanted = request.offset + request.limit;
    const auto check = std::max<size_t>(wanted, static_cast<size_t>(config.search.count_at_least));
    // With a rerank, the candidates from the first rank on, so that the reranked top and the
    // ranks after it page consistently.
    const size_t first = rerank ? 0 : request.offset;
    const size_t fetch = rerank ? std::max(depth, wanted) : request.limit;
    Xapian::MSet mset;
    SearchResult result;
    std::vector<std::pair<Xapian::docid, double>> ranked;  // the page (from `first`): docid, weight
    const bool by_date = sort != SortOrder::kRelevance;
    // Counts and facets stop after `check` matches, and check positions as they go; the matches
    // that rank or sort weigh many more, and leave the checks to the documents they would keep.
    const DeferredPositions* deferred = parsed->deferred.get();
    if (by_date && date_window_page(enquire, query, deferred, sort == SortOrder::kDateDescending, first, fetch,
                                    &mset)) {
      const MatchCounts counts = count_matches(query, check);
      result.total = counts.estimated;
      result.total_is_exact = counts.lower == counts.upper;
    } else if (by_date || !weigh_candidates(enquire, query, split ? &*split : nullptr, deferred,
                                            keys ? &*keys : nullptr, collapse, first, fetch, check, &ranked,
                                            &result)) {
      mset = ranked_mset(enquire, first, fetch, check, deferred);
      result.total = mset.get_matches_estimated();
      result.total_is_exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
    }
    result.query_description = (has_proximity ? parsed->with_proximity() : query).get_description();

    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) ranked.emplace_back(*it, it.get_weight());
    if (rerank) {
      const size_t top = std::min(depth, ranked.size());
      if (parsed->proximity_pairs.empty() || !rerank_by_positions(parsed->proximity_pairs, top, &ranked)) {
        rerank_by_proximity(parsed->proximity, top, &ranked);
      }
    }
    const size_t skip = first < request.offset ? request.offset - first : 0;
    const size_t page_end = std::min(ranked.size(), skip + request.limit);

    const HighlightOptions hl = highlight_options();
    const Highlighter highlighter(analyzer, parsed->highlight, hl);
    const std::unordered_set<std::string> no_terms;
    const Highlighter plain(analyzer, no_terms, hl);  // highlight=false: the opening, unmarked

    std::map<std::string, size_t> story_hits;  // story key -> its hit on this page
    for (size_t i = skip; i < page_end; ++i) {
      const auto [docid, weight] = ranked[i];
      Hit hit;
      hit.score = weight;
      std::string title, body;
      const Xapian::Document doc = db.get_document(docid, kValid);
      if (!read_hit_record(json_parser, records.json_of(doc), &hit, &title, &body)) {
        return Status::internal("stored record of document " + std::to_string(docid) + " is not JSON");
      }
      if (collapse) {
        std::string key = story_key(keys ? &*keys : nullptr, docid, doc);
        if (!key.empty()) story_hits.emplace(std::move(key), result.hits.size());
      }
      const Highlighter& h = request.highlight ? highlighter : plain;
      hit.title_html = h.mark_all(title, &hit.title_matches);
      hit.snippet = h.snippet(body);
      result.hits.push_back(std::move(hit));
    }

    if (!story_hits.empty()) add_versions(query, story_hits, keys ? &*keys : nullptr, &result.hits);

    if (!request.facets.empty()) {
      count_facets(query, request.facets, static_cast<size_t>(config.search.facet_check_at_least), &result);
    }
    return result;
  });
}

// The other articles of each page hit's story that match `query`: one more match, over the
// page's stories only (their story_terms filter it to a handful of documents), best first.
void Searcher::Impl::add_versions(const Xapian::Query& query, const std::map<std::string, size_t>& story_hits,
                                  const StoryKeys* keys, std::vector<Hit>* hits) {
  std::vector<Xapian::Query> stories;
  for (const auto& [key, index] : story_hits) {
    for (const std::string& term : story_terms(key)) stories.emplace_back(term);
  }
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query,
                                  Xapian::Query(Xapian::Query::OP_OR, stories.begin(), stories.end())));
  set_weighting(enquire, config.ranking);
  constexpr Xapian::doccount kMaxVersions = 1000;
  const Xapian::MSet mset = enquire.get_mset(0, kMaxVersions);
  for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
    const Xapian::Document doc = it.get_document();
    auto hit = story_hits.find(story_key(keys, *it, doc));
    if (hit == story_hits.end()) continue;
    Hit& shown = (*hits)[hit->second];
    if (std::string id = id_of(doc); !id.empty() && id != shown.id) shown.version_ids.push_back(std::move(id));
  }
}

ArticleRef Searcher::Impl::article_ref(Xapian::docid docid, double score) {
  Hit hit;
  std::string title, body;
  ArticleRef ref;
  if (!read_hit_record(json_parser, records.json_of(db.get_document(docid, kValid)), &hit, &title, &body)) {
    ref.id = id_of(db.get_document(docid, kValid));
    return ref;
  }
  const std::unordered_set<std::string> no_terms;
  ref.id = std::move(hit.id);
  ref.fields = std::move(hit.fields);
  ref.snippet = Highlighter(analyzer, no_terms, highlight_options()).snippet(body);
  ref.score = score;
  return ref;
}

Result<SearchResult> Searcher::search(const SearchRequest& request) { return impl_->run(request); }

Result<std::vector<ArticleRef>> Searcher::versions(const std::string& id) {
  return with_reopen<std::vector<ArticleRef>>(*impl_, [&]() -> Result<std::vector<ArticleRef>> {
    Xapian::Database& db = impl_->db;
    Xapian::PostingIterator p = db.postlist_begin(id_term(id));
    if (p == db.postlist_end(id_term(id))) return Status::not_found("no article with id '" + id + "'");
    const std::string key = db.get_document(*p, kValid).get_value(kStoryKey);
    std::set<Xapian::docid> docids;
    if (key.empty()) {
      docids.insert(*p);
    } else {
      for (const std::string& term : story_terms(key)) {
        for (Xapian::PostingIterator m = db.postlist_begin(term); m != db.postlist_end(term); ++m) {
          if (db.get_document(*m, kValid).get_value(kStoryKey) == key) docids.insert(*m);
        }
      }
    }
    std::vector<std::pair<std::string, ArticleRef>> dated;  // (date, article)
    for (const Xapian::docid docid : docids) {
      dated.emplace_back(db.get_document(docid, kValid).get_value(date_slot()), impl_->article_ref(docid, 0));
    }
    std::sort(dated.begin(), dated.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second.id < b.second.id;
    });
    std::vector<ArticleRef> out;
    for (auto& [date, ref] : dated) out.push_back(std::move(ref));
    return out;
  });
}

Result<std::vector<ArticleRef>> Searcher::related(const std::string& id, size_t limit) {
  return with_reopen<std::vector<ArticleRef>>(*impl_, [&]() -> Result<std::vector<ArticleRef>> {
    Xapian::Database& db = impl_->db;
    Xapian::PostingIterator p = db.postlist_begin(id_term(id));
    if (p == db.postlist_end(id_term(id))) return Status::not_found("no article with id '" + id + "'");
    std::vector<ArticleRef> out;
    if (limit == 0) return out;
    // The terms that best tell this article from the rest of the index (Xapian's ESet: a
    // relevance set of one, weighed by the index's term statistics), searched for.
    Xapian::RSet rset;
    rset.add_document(*p);
    Xapian::Enquire enquire(db);
    constexpr Xapian::termcount kExpandTerms = 24;
    const WordsOnly words_only;
    const Xapian::ESet eset = enquire.get_eset(kExpandTerms, rset, &words_only);
    if (eset.empty()) return out;
    std::vector<Xapian::Query> terms;
    for (Xapian::ESetIterator t = eset.begin(); t != eset.end(); ++t) {
      terms.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(*t), t.get_weight());
    }
    // Not the article itself, nor its copies (its story).
    Xapian::Query exclude(id_term(id));
    if (const std::string key = db.get_document(*p, kValid).get_value(kStoryKey); !key.empty()) {
      for (const std::string& term : story_terms(key)) {
        exclude = Xapian::Query(Xapian::Query::OP_OR, exclude, Xapian::Query(term));
      }
    }
    enquire.set_query(Xapian::Query(Xapian::Query::OP_AND_NOT,
                                    Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()), exclude));
    set_weighting(enquire, impl_->config.ranking);
    enquire.set_collapse_key(kStoryKey);  // one article per other story
    const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
      out.push_back(impl_->article_ref(*it, it.get_weight()));
    }
    return out;
  });
}

Result<StoredArticle> Searcher::document(const std::string& id, const std::string& highlight_query) {
  return with_reopen<StoredArticle>(*impl_, [&]() -> Result<StoredArticle> {
    Xapian::PostingIterator p = impl_->db.postlist_begin(id_term(id));
    if (p == impl_->db.postlist_end(id_term(id))) {
      return Status::not_found("no article with id '" + id + "'");
    }
    StoredArticle article;
    article.record = impl_->records.json_of(impl_->db.get_document(*p, kValid));
    if (article.record.empty()) return Status::internal("stored record of '" + id + "' cannot be read");
    if (highlight_query.empty()) return article;
    auto parsed = impl_->builder.parse(highlight_query, impl_->variant_lookup(), impl_->term_frequency());
    if (!parsed.is_ok()) return parsed.status();
    auto record = nlohmann::json::parse(article.record, nullptr, false);
    if (record.is_discarded()) return Status::internal("stored record of '" + id + "' is not JSON");
    auto text = [&](const char* field) {
      auto it = record.find(field);
      return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const Highlighter highlighter(impl_->analyzer, parsed->highlight, impl_->highlight_options());
    article.highlighted = true;
    article.title_html = highlighter.mark_all(text("title"));
    article.body_html = highlighter.mark_all(text("body"));
    return article;
  });
}

Result<std::vector<Completion>> Searcher::suggest(const std::string& query, size_t limit) {
  if (query.size() > static_cast<size_t>(impl_->config.search.max_query_bytes)) {
    return Status::invalid_argument("query is longer than " +
                                    std::to_string(impl_->config.search.max_query_bytes) + " bytes");
  }
  if (!is_valid_utf8(query)) return Status::invalid_argument("query is not valid UTF-8");
  std::vector<Completion> out;
  if (query.empty() || std::isspace(static_cast<unsigned char>(query.back()))) return out;
  // The word being typed, without the query language around it: -কোরি, "উত্তর কোরি, title:কোরি.
  size_t start = query.find_last_of(" \t\n\r\f\v");
  start = start == std::string::npos ? 0 : start + 1;
  while (start < query.size() && std::strchr("-+(\"", query[start]) != nullptr) ++start;
  if (const size_t colon = query.find(':', start); colon != std::string::npos) start = colon + 1;
  const std::string prefix = impl_->analyzer.normalize(std::string_view(query).substr(start));
  if (prefix.empty() || limit == 0) return out;
  const std::string head = query.substr(0, start);
  return with_reopen<std::vector<Completion>>(*impl_, [&]() -> Result<std::vector<Completion>> {
    // Titles' words in term order from the prefix on; a short prefix ("ক") has thousands, so the
    // scan stops after kMaxScanned and keeps the most frequent of those.
    constexpr size_t kMaxScanned = 5000;
    const std::string from = word_term(prefix::kSuggest, prefix);
    std::vector<Completion> found;
    Xapian::TermIterator t = impl_->db.allterms_begin(from);
    for (size_t n = 0; t != impl_->db.allterms_end(from) && n < kMaxScanned; ++t, ++n) {
      found.push_back({word_of_term((*t).substr(std::strlen(prefix::kSuggest))), "", t.get_termfreq()});
    }
    const size_t keep = std::min(limit, found.size());
    std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(),
                      [](const Completion& a, const Completion& b) {
                        return a.count != b.count ? a.count > b.count : a.word < b.word;
                      });
    found.resize(keep);
    for (Completion& c : found) c.text = head + c.word;
    return found;
  });
}

Result<IndexStats> Searcher::stats() {
  return with_reopen<IndexStats>(*impl_, [&]() -> Result<IndexStats> {
    IndexStats s;
    s.documents = impl_->db.get_doccount();
    s.facet_memory_bytes = FacetColumns::shared().bytes();
    // Xapian gives a revision for a single database only; for several shards, the sum of
    // theirs also grows with every commit.
    if (impl_->db.size() == 1) {
      s.revision = impl_->db.get_revision();
    } else if (impl_->shards.size() == impl_->db.size()) {  // not a stub Xapian opened alone
      for (const Xapian::Database& shard : impl_->shards) s.revision += shard.get_revision();
    }
    s.total_length = impl_->db.get_total_length();
    if (impl_->manifest) s.manifest = impl_->manifest->to_json();
    return s;
  });
}

}  // namespace sondhan::core
