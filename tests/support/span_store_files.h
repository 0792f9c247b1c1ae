// A span store is a SQLite file, its WAL and shared-memory files, and the request log's
// folder beside them (SpanStore::log_dir_for). The tests and benchmarks that make stores
// remove them together, and name them after the process so that runs side by side do not
// meet.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "tracechat/collector/span_store.h"

namespace tracechat::test_support {

inline void remove_span_store(const std::filesystem::path& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove_all(db.string() + suffix);
  std::filesystem::remove_all(collector::SpanStore::log_dir_for(db));
}

// tracechat-<name>-<pid>.sqlite in the temporary folder, with nothing of a store there.
inline std::filesystem::path fresh_span_store_path(const std::string& name) {
  const auto path =
      std::filesystem::temp_directory_path() / ("tracechat-" + name + "-" + std::to_string(getpid()) + ".sqlite");
  remove_span_store(path);
  return path;
}

// Such a path, whose store is removed again when this goes.
struct TempSpanStore {
  explicit TempSpanStore(const std::string& name) : path(fresh_span_store_path(name)) {}
  ~TempSpanStore() { remove_span_store(path); }
  TempSpanStore(const TempSpanStore&) = delete;
  TempSpanStore& operator=(const TempSpanStore&) = delete;
  std::filesystem::path path;
};

}  // namespace tracechat::test_support
