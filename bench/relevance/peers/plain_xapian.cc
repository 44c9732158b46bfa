// peer_plain_xapian: the "plain Xapian" peer of the relevance figures, so that sondhan's ranking
// can be compared with it on the team's own test sets. Indexes title and body with Xapian's own
// TermGenerator (no stemmer, no normalization: what a user gets out of the box), ranks with
// BM25 and writes one run file per query operator for `relevance_eval --run`.
//   build/bin/peer_plain_xapian --corpus FILE.jsonl.gz --workdir DIR
// writes DIR/plain_xapian_or.run and DIR/plain_xapian_and.run (query<TAB>id<TAB>id...).
#include <filesystem>
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <xapian.h>

#include "evaluate.h"
#include "sondhan/indexer/line_reader.h"

namespace {

void build(const std::string& corpus, const std::string& path) {
  auto reader = sondhan::indexer::LineReader::open(corpus);
  if (!reader.is_ok()) throw std::runtime_error(reader.status().message());
  Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator indexer;
  std::string line;
  for (;;) {
    auto more = reader.value()->next(&line);
    if (!more.is_ok()) throw std::runtime_error(more.status().message());
    if (!more.value()) break;
    const auto record = nlohmann::json::parse(line);
    Xapian::Document doc;
    indexer.set_document(doc);
    indexer.index_text(record.value("title", ""));
    indexer.increase_termpos();
    indexer.index_text(record.value("body", ""));
    const std::string id = record.at("id").get<std::string>();
    doc.set_data(id);
    doc.add_boolean_term("Q" + id);
    db.replace_document("Q" + id, doc);
  }
  db.commit();
}

sondhan::relevance::Run rank_all(const Xapian::Database& db, Xapian::Query::op op,
                                 const std::set<std::string>& queries) {
  Xapian::QueryParser parser;
  parser.set_database(db);
  parser.set_default_op(op);
  Xapian::Enquire enquire(db);
  sondhan::relevance::Run run;
  for (const std::string& text : queries) {
    enquire.set_query(parser.parse_query(text));
    const Xapian::MSet hits = enquire.get_mset(0, 10);
    auto& ids = run[text];
    for (auto hit = hits.begin(); hit != hits.end(); ++hit) ids.push_back(hit.get_document().get_data());
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes the plain-Xapian peer's rankings of the relevance queries."};
  std::string corpus, workdir;
  std::string known_path = std::string(SONDHAN_SOURCE_DIR) + "/bench/relevance/known_item.tsv";
  std::string topical_path = std::string(SONDHAN_SOURCE_DIR) + "/bench/relevance/topical.tsv";
  app.add_option("--corpus", corpus, "the shared corpus (JSON Lines, gzip)")->required();
  app.add_option("--workdir", workdir, "where the peer's database and run files go")->required();
  app.add_option("--known-item", known_path, "known-item queries (TSV)");
  app.add_option("--topical", topical_path, "topical queries (TSV)");
  CLI11_PARSE(app, argc, argv);
  try {
    std::set<std::string> queries;
    for (const auto& q : sondhan::relevance::load_known_items(known_path)) queries.insert(q.query);
    for (const auto& q : sondhan::relevance::load_topical(topical_path)) queries.insert(q.query);
    const std::string db_path = workdir + "/plain_xapian";
    if (!std::filesystem::exists(db_path)) {
      // Built aside and renamed when complete: an interrupted build is never reused.
      std::filesystem::remove_all(db_path + ".partial");
      build(corpus, db_path + ".partial");
      std::filesystem::rename(db_path + ".partial", db_path);
    }
    const Xapian::Database db(db_path);
    sondhan::relevance::write_run(workdir + "/plain_xapian_or.run", rank_all(db, Xapian::Query::OP_OR, queries));
    sondhan::relevance::write_run(workdir + "/plain_xapian_and.run", rank_all(db, Xapian::Query::OP_AND, queries));
  } catch (const std::exception& e) {
    std::cerr << "peer_plain_xapian: " << e.what() << "\n";
    return 1;
  } catch (const Xapian::Error& e) {
    std::cerr << "peer_plain_xapian: " << e.get_description() << "\n";
    return 1;
  }
  return 0;
}
