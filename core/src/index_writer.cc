// IndexWriter: analysis in parallel, writing in one thread, Xapian exceptions turned into Status.
#include "sondhan/core/index_writer.h"

#include <algorithm>
#include <thread>

#include <xapian.h>

#include "sondhan/analyzers/analyzer.h"
#include "sondhan/core/document_builder.h"
#include "sondhan/core/term_prefixes.h"

namespace sondhan::core {

struct IndexWriter::Impl {
  Impl(Xapian::WritableDatabase database, const IndexOptions& opts)
      : db(std::move(database)), options(opts), builder(analyzer, opts) {}

  Xapian::WritableDatabase db;
  IndexOptions options;
  analyzers::Analyzer analyzer;
  DocumentBuilder builder;
  size_t since_commit = 0;
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexWriter::~IndexWriter() = default;

Result<std::unique_ptr<IndexWriter>> IndexWriter::open(const std::string& path,
                                                       const IndexOptions& options) {
  try {
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OPEN);
    return std::unique_ptr<IndexWriter>(new IndexWriter(std::make_unique<Impl>(std::move(db), options)));
  } catch (const Xapian::DatabaseLockError& e) {
    return Status::unavailable("database " + path + " is locked by another writer: " + e.get_msg());
  } catch (const Xapian::Error& e) {
    return Status::unavailable("cannot open database " + path + " for writing: " + e.get_description());
  }
}

Status IndexWriter::apply(std::vector<Change>& changes, WriteCounts* counts) {
  // Analysis is pure CPU and needs no database: build every document of the batch on all
  // threads, then write them in input order on this one.
  std::vector<Xapian::Document> docs(changes.size());
  const size_t threads = std::max<size_t>(1, std::min<size_t>(impl_->options.threads, changes.size()));
  auto build_range = [&](size_t worker) {
    for (size_t i = worker; i < changes.size(); i += threads) {
      if (!changes[i].is_delete) docs[i] = impl_->builder.build(changes[i].article);
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < threads; ++w) pool.emplace_back(build_range, w);
  build_range(0);
  for (std::thread& t : pool) t.join();

  try {
    for (size_t i = 0; i < changes.size(); ++i) {
      const std::string id_term = prefix::kId + changes[i].article.id;
      const bool existed = impl_->db.term_exists(id_term);
      if (changes[i].is_delete) {
        if (existed) {
          impl_->db.delete_document(id_term);
          ++counts->deleted;
        } else {
          ++counts->not_found;
        }
      } else {
        impl_->db.replace_document(id_term, docs[i]);
        ++(existed ? counts->updated : counts->added);
      }
      if (++impl_->since_commit >= static_cast<size_t>(impl_->options.commit_every)) {
        if (Status s = commit(); !s.is_ok()) return s;
      }
    }
  } catch (const Xapian::Error& e) {
    return Status::internal("write failed: " + e.get_description());
  }
  return Status::ok();
}

Status IndexWriter::commit() {
  try {
    impl_->db.commit();
    impl_->since_commit = 0;
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return Status::internal("commit failed: " + e.get_description());
  }
}

size_t IndexWriter::document_count() const { return impl_->db.get_doccount(); }

}  // namespace sondhan::core
