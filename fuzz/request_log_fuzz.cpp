// Any bytes as the last segment of a collector's request log (a crash, a disk error,
// someone's editor): opening it for writing never crashes, keeps only whole records,
// and what it keeps reads back; appending after it works.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tracechat/collector/request_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracechat::collector;
  namespace fs = std::filesystem;
  static const fs::path dir = fs::temp_directory_path() / ("tracechat-log-fuzz-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (std::FILE* f = std::fopen((dir / "00000001.otlp").c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  auto log = RequestLog::open(dir, true);
  if (!log.ok()) std::abort();  // a damaged tail is cut off, never an error
  std::size_t records = 0;
  auto end = (*log)->scan(LogPosition{0, 0}, [&](const LogLocation& where, std::uint64_t, std::string_view payload) {
    auto again = (*log)->read(where);
    if (!again.ok() || *again != payload) std::abort();
    ++records;
    return true;
  });
  if (!end.ok() || end->offset > size || !(*end == (*log)->end())) std::abort();
  const LogRecord record{"after", 1};
  auto appended = (*log)->append(std::span<const LogRecord>(&record, 1));
  if (!appended.ok() || *(*log)->read((*appended)[0]) != "after") std::abort();
  return 0;
}
