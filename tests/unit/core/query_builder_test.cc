#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "document_builder.h"
#include "query_builder.h"

using namespace sondhan::core;

namespace {
const sondhan::analyzers::Analyzer& analyzer() {
  static const sondhan::analyzers::Analyzer a;
  return a;
}
std::string describe(const std::string& q, Config config = {}) {
  QueryBuilder b(analyzer(), config);
  auto parsed = b.parse(q);
  return parsed.is_ok() ? readable_description(parsed->with_proximity()) : "ERROR: " + parsed.status().message();
}
}  // namespace

TEST_CASE("query words go through the document analyzer", "[core][query]") {
  Config plain;
  plain.ranking.title_boost = 0;
  plain.ranking.prefix_weight = 0;
  plain.ranking.loose_weight = 0;
  plain.ranking.phrase_boost = 0;
  plain.ranking.all_words_boost = 0;
  plain.ranking.news_synonyms = false;
  CHECK(describe("কোরিয়ার", plain) == "Query(কোরিয়া)");
  CHECK(describe("উত্তর কোরিয়া", plain) == "Query((উত্তর OR কোরিয়া))");
  CHECK(describe("\"উত্তর কোরিয়ার\"", plain) == "Query((উত্তর PHRASE 2 কোরিয়া))");
  CHECK(describe("ঢাকা -সেনা", plain) == "Query((ঢাকা AND_NOT সেনা))");
  CHECK(describe("title:কোরিয়া", plain) == "Query(Sকোরিয়া)");
  CHECK(describe("source:BBC", plain) == "Query(XSRCbbc)");
  CHECK(describe("ঢাকা OR চট্টগ্রাম", plain) == "Query((ঢাকা OR চট্টগ্রাম))");
  CHECK(describe("২০২০", plain) == describe("2020", plain));
}

TEST_CASE("with positions in a value, phrases and proximity filter the words' AND", "[core][query]") {
  Config compact;
  compact.index.positions = "compact";
  CHECK(describe("\"উত্তর কোরিয়ার\"", compact) ==
        "Query(((উত্তর AND কোরিয়া) FILTER PostingSource(উত্তর PHRASE 2 কোরিয়া)))");
  CHECK(describe("title:\"উত্তর কোরিয়া\"", compact) ==
        "Query(((Sউত্তর AND Sকোরিয়া) FILTER PostingSource(Sউত্তর PHRASE 2 Sকোরিয়া)))");
  CHECK(describe("উত্তর কোরিয়া সেনা", compact).find("FILTER PostingSource(কোরিয়া NEAR 8 সেনা)") !=
        std::string::npos);
}

TEST_CASE("only phrases every match must have, or must lack, defer their position checks", "[core][query]") {
  Config compact;
  compact.index.positions = "compact";
  QueryBuilder b(analyzer(), compact);
  auto deferred = [&](const std::string& q) {
    auto parsed = b.parse(q);
    REQUIRE(parsed.is_ok());
    return parsed->deferred != nullptr && !parsed->deferred->empty();
  };
  CHECK(deferred("\"উত্তর কোরিয়া\""));
  CHECK(deferred("title:\"উত্তর কোরিয়া\" সেনা"));
  CHECK(deferred("সেনা -\"উত্তর কোরিয়া\""));
  CHECK(deferred("+উত্তর-কোরিয়া সেনা"));
  CHECK(deferred("উত্তর-কোরিয়া source:BBC"));  // the split word alone is the ranked part
  // One alternative of several, a group's, or the proximity pairs: checked as the match goes.
  CHECK_FALSE(deferred("\"উত্তর কোরিয়া\" OR সেনা"));
  CHECK_FALSE(deferred("সেনা (\"উত্তর কোরিয়া\" ঢাকা)"));
  CHECK_FALSE(deferred("উত্তর-কোরিয়া সেনা"));
  CHECK_FALSE(deferred("উত্তর কোরিয়া সেনা মহড়া"));
  CHECK_FALSE(deferred("সেনা -(\"উত্তর কোরিয়া\" ঢাকা)"));
  // The position table needs no deferral: Xapian defers its own phrase checks.
  Config table_config;
  table_config.index.positions = "table";
  QueryBuilder table(analyzer(), table_config);
  auto parsed = table.parse("\"উত্তর কোরিয়া\"");
  REQUIRE(parsed.is_ok());
  CHECK(parsed->deferred == nullptr);
}

TEST_CASE("ranking expansions: all words, title, prefix fallback, phrases", "[core][query]") {
  // Defaults: neighbouring words score extra when close; the all-words boost waits for four
  // words; title matches count through the title's index-time weight only.
  const std::string d = describe("উত্তর কোরিয়া সেনা");
  CHECK(d.find("NEAR 8") != std::string::npos);
  CHECK(d.find(" AND ") == std::string::npos);
  CHECK(d.find("Sকোরিয়া") == std::string::npos);
  CHECK(describe("উত্তর কোরিয়া সেনা মহড়া").find(" AND ") != std::string::npos);
  CHECK(describe("উত্তর কোরিয়া").find("NEAR") == std::string::npos);
  Config boosted;
  boosted.ranking.all_words_min_words = 2;
  boosted.ranking.phrase_min_words = 2;
  boosted.ranking.title_boost = 1;
  const std::string e = describe("উত্তর কোরিয়া", boosted);
  CHECK(e.find(" AND ") != std::string::npos);
  CHECK(e.find("Sকোরিয়া") != std::string::npos);
  CHECK(e.find("NEAR 8") != std::string::npos);
  Config with_prefix;
  with_prefix.index.prefix_letters = 4;
  CHECK(describe("প্রধানমন্ত্রী", with_prefix).find("XPপ্রধান") != std::string::npos);
}

TEST_CASE("a word expands to the spelling variants the index has filed under its loose key", "[core][query]") {
  QueryBuilder b(analyzer(), Config{});
  std::vector<std::string> asked;
  const VariantLookup variants = [&](const std::string& key, std::vector<std::string>* stems) {
    asked.push_back(key);
    if (key == spelling_key("গরিব")) *stems = {"গরীব", "গরীবি"};
  };
  // গরিব is its own loose form: only the variants filed under it are added.
  const std::string d = readable_description(b.parse("গরিব", variants).value().query);
  CHECK(asked == std::vector<std::string>{spelling_key("গরিব")});
  CHECK(d.find("(গরীব SYNONYM গরীবি)") != std::string::npos);
  // গরীব asks for the same group, and for its loose form গরিব as a word of its own.
  const std::string e = readable_description(b.parse("গরীব", variants).value().query);
  CHECK(e.find("SYNONYM") != std::string::npos);
  CHECK(e.find(" গরিব") != std::string::npos);
  // Without a table (or with an empty group) nothing is added for variants.
  CHECK(describe("গরিব").find("SYNONYM") == std::string::npos);
  // A vague key with very many stems is cut, not expanded in full.
  const VariantLookup crowd = [](const std::string&, std::vector<std::string>* stems) {
    for (int i = 0; i < 100; ++i) stems->push_back(std::string("w").append(std::to_string(i)));
  };
  const std::string f = readable_description(b.parse("গরিব", crowd).value().query);
  CHECK(f.find("w15") != std::string::npos);
  CHECK(f.find("w16") == std::string::npos);
}

TEST_CASE("a word in a synonym group matches the whole group, as one word", "[core][query]") {
  Config config;
  config.ranking.synonyms = {"টিকা ভ্যাকসিন ভ্যাক্সিন", "আমফান আম্পান", "এবং ও"};
  QueryBuilder b(analyzer(), config);
  // Inflected forms of the group's words count: টিকার is টিকা.
  auto parsed = b.parse("টিকার");
  REQUIRE(parsed.is_ok());
  const std::string d = readable_description(parsed->query);
  CHECK(d.find("(টিকা SYNONYM ভ্যাকসিন SYNONYM ভ্যাক্সিন)") != std::string::npos);
  CHECK(parsed->highlight.count("ভ্যাকসিন") == 1);
  // Groups work both ways, and words outside every group are left alone.
  CHECK(readable_description(b.parse("আম্পানে").value().query).find("আম্পান SYNONYM আমফান") != std::string::npos);
  CHECK(readable_description(b.parse("ধান").value().query).find("SYNONYM") == std::string::npos);
  // Only free-text words expand: not an exclusion, a phrase or a title: search.
  CHECK(readable_description(b.parse("বাজার -টিকা").value().query).find("ভ্যাকসিন") == std::string::npos);
  CHECK(readable_description(b.parse("\"করোনা টিকা\"").value().query).find("ভ্যাকসিন") == std::string::npos);
  CHECK(readable_description(b.parse("title:টিকা").value().query).find("ভ্যাকসিন") == std::string::npos);
  // A group of stop words has no stems: nothing to expand, and no error.
  CHECK(readable_description(b.parse("ও এবং").value().query) == Xapian::Query(Xapian::Query::MatchNothing).get_description());
}

TEST_CASE("built-in news synonyms: spellings as one word, paraphrases at their weight", "[core][query]") {
  Config config;
  config.ranking.paraphrase_weight = 0.5;
  QueryBuilder b(analyzer(), config);
  // A name spelt two ways is one word (ইসরায়েলের is ইসরায়েল inflected).
  const std::string spelt = readable_description(b.parse("ইসরায়েলের").value().query);
  CHECK(spelt.find("(ইসরায়েল SYNONYM ইসরাইল SYNONYM ইসরাঈল)") != std::string::npos);
  // Another word for the same thing counts at the paraphrase weight, and is marked.
  auto covid = b.parse("কোভিড");
  REQUIRE(covid.is_ok());
  CHECK(readable_description(covid->query).find("0.5 * (করোনা SYNONYM করোনাভাইরাস)") != std::string::npos);
  CHECK(covid->highlight.count("করোনা") == 1);
  // An excluded group excludes its words as written, not their spellings or paraphrases.
  CHECK(readable_description(b.parse("ঢাকা -(কোভিড OR ইসরায়েল)").value().query) ==
        "Query((ঢাকা AND_NOT (কোভিড OR ইসরায়েল)))");
  // ভ্যাক্সিন is a spelling of ভ্যাকসিন and a paraphrase of টিকা: the spelling is not counted
  // again at the lower weight.
  const std::string vaccine = readable_description(b.parse("ভ্যাকসিন").value().query);
  CHECK(vaccine.find("(ভ্যাকসিন SYNONYM ভ্যাক্সিন) OR 0.5 * টিকা") != std::string::npos);
  // The configured groups add to the built-in ones; news_synonyms = false leaves only those.
  config.ranking.synonyms = {"ইসরাইল ইহুদি"};
  CHECK(readable_description(QueryBuilder(analyzer(), config).parse("ইসরাইল").value().query).find(
            "(ইসরাইল SYNONYM ইসরায়েল SYNONYM ইসরাঈল SYNONYM ইহুদি)") != std::string::npos);
  config.ranking.news_synonyms = false;
  QueryBuilder own(analyzer(), config);
  CHECK(readable_description(own.parse("ইসরাইল").value().query).find("(ইসরাইল SYNONYM ইহুদি)") != std::string::npos);
  CHECK(readable_description(own.parse("কোভিড").value().query).find("করোনা") == std::string::npos);
  config.ranking.news_synonyms = true;
  config.ranking.paraphrase_weight = 0;
  CHECK(readable_description(QueryBuilder(analyzer(), config).parse("কোভিড").value().query).find("করোনা") ==
        std::string::npos);
}

TEST_CASE("queries whose words all vanish find nothing, a blank one browses", "[core][query]") {
  // Stop words are not indexed, so a query of stop words can only find nothing.
  CHECK(describe("তিনি কে") == "Query()");
  for (const char* q : {"AND", "+", "\"", "%", "এই-সেই", "।"}) {
    INFO(q);
    CHECK(describe(q) == "Query()");
  }
  CHECK(describe("") == "Query(<alldocuments>)");
  CHECK(describe("   ") == "Query(<alldocuments>)");
}

TEST_CASE("AND requires the word right before it, not an exclusion", "[core][query]") {
  Config plain;
  plain.ranking = RankingOptions{};
  plain.ranking.title_boost = 0;
  plain.ranking.loose_weight = 0;
  plain.ranking.phrase_boost = 0;
  plain.ranking.all_words_boost = 0;
  CHECK(describe("ঢাকা AND বৃষ্টি", plain) == "Query((ঢাকা AND বৃস্টি))");  // ষ্ট folds to স্ট
  CHECK(describe("xyz -হাতি AND ঢাকা", plain) == "Query(((ঢাকা AND_MAYBE xyz) AND_NOT হাতি))");
  // After AND, an excluded item stays excluded (it once became required).
  CHECK(describe("ঢাকা AND -হাতি", plain) == "Query((ঢাকা AND_NOT হাতি))");
  CHECK(describe("ঢাকা AND -source:BBC", plain) == "Query((ঢাকা AND_NOT XSRCbbc))");
  CHECK(describe("ঢাকা AND -\"উত্তর কোরিয়া\"", plain) == "Query((ঢাকা AND_NOT (উত্তর PHRASE 2 কোরিয়া)))");
}

TEST_CASE("split words and groups get no proximity pair of their own", "[core][query]") {
  // ঢাকা-চট্টগ্রাম is a phrase of two terms; no NEAR may be built on an empty stem.
  const std::string d = describe("ঢাকা-চট্টগ্রাম মহাসড়ক");
  CHECK(d.find("NEAR") == std::string::npos);
  CHECK(d.find("PHRASE 2") != std::string::npos);
}

TEST_CASE("bad queries are invalid_argument with a message", "[core][query]") {
  QueryBuilder b(analyzer(), Config{});
  CHECK(b.parse("(ঢাকা").status().code() == Code::kInvalidArgument);
  CHECK(b.parse("ঢাকা)").status().code() == Code::kInvalidArgument);
  // An unknown "field:" is text, as in Xapian's QueryParser ("BNP: সমাবেশ", pasted URLs).
  CHECK(b.parse("foo:ঢাকা").is_ok());
  CHECK(b.parse("BNP: সমাবেশ").value().highlight.count("bnp"));
  CHECK(b.parse("\xff\xfe").status().message().find("UTF-8") != std::string::npos);
  CHECK(b.parse(std::string(100, '(') + "ঢাকা" + std::string(100, ')')).status().code() == Code::kInvalidArgument);
  CHECK(b.parse(std::string(5000, 'a')).status().code() == Code::kInvalidArgument);
  std::string many;
  for (int i = 0; i < 100; ++i) many.append("w").append(std::to_string(i)).append(" ");
  CHECK(b.parse(many).status().code() == Code::kInvalidArgument);
  CHECK(b.parse("").is_ok());
  CHECK_FALSE(b.parse("").value().has_text);
}

TEST_CASE("match-everything queries share nothing with Xapian's static MatchAll", "[core][query][concurrency]") {
  // Xapian's reference counts are not atomic: a query holding the internals of the static
  // Query::MatchAll, copied on several server threads at once, corrupted its count and crashed
  // the server under concurrent browse requests.
  QueryBuilder b(analyzer(), Config{});
  const auto* shared = Xapian::Query::MatchAll.internal.get();
  auto blank = b.parse("");
  REQUIRE(blank.is_ok());
  CHECK(blank->query.get_description() == "Query(<alldocuments>)");
  CHECK(blank->query.internal.get() != shared);
  for (const char* q : {"-ঢাকা", "NOT ঢাকা", "-source:BBC", "-\"উত্তর কোরিয়া\""}) {
    auto parsed = b.parse(q);
    REQUIRE(parsed.is_ok());
    INFO(q << " -> " << readable_description(parsed->query));
    REQUIRE(parsed->query.get_num_subqueries() == 2);
    CHECK(parsed->query.get_subquery(0).get_description() == "Query(<alldocuments>)");
    CHECK(parsed->query.get_subquery(0).internal.get() != shared);
  }
  // And many threads building them at once (each with its own analyzer and builder, as each
  // searcher has) leave every query intact.
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      const sondhan::analyzers::Analyzer own;
      const QueryBuilder builder(own, Config{});
      for (int i = 0; i < 20000; ++i) {
        auto p = builder.parse(i % 2 ? "" : "-ঢাকা");
        if (!p.is_ok() || p->query.empty()) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
}

TEST_CASE("a query that ranks all-words articles first splits into two parts that add up to it",
          "[core][query]") {
  // Articles holding random subsets of a query's terms, each several times: every article the
  // query matches is matched by exactly one part, with the weight the query gives it, under
  // BM25 with and without its length normalisation (the searcher's first match is without).
  // Positions in Xapian's table, which these articles have (the phrase).
  QueryBuilder b(analyzer(), Config{});
  b.use_positions("table");
  const VariantLookup variants = [](const std::string& key, std::vector<std::string>* stems) {
    if (key == spelling_key("সেনা")) *stems = {"সেনা", "সৈনা"};  // a variant holding the word itself
  };
  for (const char* text : {"উত্তর কোরিয়া সেনা মহড়া", "উত্তর কোরিয়া সেনা মহড়া +যুদ্ধ",
                           "উত্তর কোরিয়া সেনা মহড়া -যুদ্ধ", "উত্তর কোরিয়া সেনা মহড়া source:BBC",
                           "উত্তর কোরিয়া সেনা মহড়া \"যুদ্ধ বিমান\""}) {
    INFO(text);
    auto parsed = b.parse(text, variants);
    REQUIRE(parsed.is_ok());
    REQUIRE_FALSE(parsed->all_words.empty());
    REQUIRE_FALSE(parsed->other_words.empty());
    std::vector<std::string> terms(parsed->query.get_unique_terms_begin(), parsed->query.get_unique_terms_end());
    Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
    std::minstd_rand random(7);
    for (int i = 0; i < 400; ++i) {
      Xapian::Document doc;
      for (const std::string& term : terms) {
        if (random() % 3 == 0) continue;
        for (unsigned k = 0; k <= random() % 4; ++k) doc.add_posting(term, 1 + random() % 12);
      }
      doc.add_term("filler", 1 + random() % 30);
      db.add_document(doc);
    }
    for (const double b_param : {0.0, 0.75}) {
      Xapian::Enquire enquire(db);
      enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, b_param, 0.5));
      auto weights = [&](const Xapian::Query& q) {
        enquire.set_query(q);
        std::map<Xapian::docid, double> got;
        const Xapian::MSet m = enquire.get_mset(0, db.get_doccount());
        for (auto it = m.begin(); it != m.end(); ++it) got[*it] = it.get_weight();
        return got;
      };
      const auto whole = weights(parsed->query), all = weights(parsed->all_words), other = weights(parsed->other_words);
      CHECK(!all.empty());
      CHECK(!other.empty());
      CHECK(whole.size() == all.size() + other.size());
      for (const auto& [did, weight] : whole) {
        INFO("document " << did);
        const auto in_all = all.find(did), in_other = other.find(did);
        REQUIRE((in_all != all.end()) != (in_other != other.end()));
        CHECK((in_all != all.end() ? in_all->second : in_other->second) == Approx(weight).epsilon(1e-9));
      }
    }
  }
  // No split where the query has no all-words part at its top level: too few words, a top-level
  // OR, the words inside parentheses, the boost off.
  Config off;
  off.ranking.all_words_boost = 0;
  for (auto [text, config] : std::vector<std::pair<const char*, Config>>{
           {"উত্তর কোরিয়া সেনা", {}},
           {"উত্তর কোরিয়া OR সেনা মহড়া যুদ্ধ বিমান", {}},
           {"উত্তর কোরিয়া সেনা মহড়া OR যুদ্ধ", {}},
           {"(উত্তর কোরিয়া সেনা মহড়া) OR যুদ্ধ", {}},
           {"(উত্তর কোরিয়া সেনা মহড়া) যুদ্ধ", {}},
           {"উত্তর কোরিয়া সেনা মহড়া", off}}) {
    INFO(text);
    auto parsed = QueryBuilder(analyzer(), config).parse(text);
    REQUIRE(parsed.is_ok());
    CHECK(parsed->all_words.empty());
    CHECK(parsed->other_words.empty());
  }
}
