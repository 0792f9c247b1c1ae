// RequestLog: the collector's accepted export requests, appended to segment files as
// they arrive. Appending is the whole of what a request waits for before its 200: one
// write of the body as received (decompressed), no database pages. Storing the same bytes as a SQLite blob cost eight
// times as much (each 4 KiB page written to the WAL and again at the checkpoint). The SpanStore indexes the records
// afterwards, on another thread, and reads them back by location.
//
// A segment is `<dir>/NNNNNNNN.otlp`, a sequence of records: a 16-byte header ("TCR"
// and the payload's encoding: '1' OTLP protobuf, 'J' OTLP JSON; payload length and
// receive time, little-endian) and the payload, the request body as it came
// (decompressed). Keeping a JSON body as JSON leaves its conversion to whoever reads
// it back, off the path a sender waits on. A segment is
// closed at 64 MiB and a new one started. A process that dies mid-write leaves a short
// last record: opening for writing cuts it off. Durable against the process crashing
// (the kernel holds the data), as the SQLite side with synchronous=NORMAL is.
// Part of the span store; the collector appends through SpanStore.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::collector {

enum class BodyFormat : std::uint8_t { protobuf = 0, json = 1 };

// Where a record's payload is.
struct LogLocation {
  std::uint32_t segment = 0;
  std::uint64_t offset = 0;  // of the payload, after the header
  std::uint32_t length = 0;
  BodyFormat format = BodyFormat::protobuf;
};

// A point between records: where the next one starts.
struct LogPosition {
  std::uint32_t segment = 0;
  std::uint64_t offset = 0;
  friend auto operator<=>(const LogPosition&, const LogPosition&) = default;
};

struct LogRecord {
  std::string_view payload;
  std::uint64_t received_unix_nano = 0;
  BodyFormat format = BodyFormat::protobuf;
};

class RequestLog {
 public:
  static constexpr std::uint64_t kSegmentBytes = 64ull << 20;
  static constexpr std::size_t kHeaderBytes = 16;

  // Opens (creating the folder when writable). A reader may open a folder that does
  // not exist: it then holds nothing.
  static Result<std::unique_ptr<RequestLog>> open(const std::filesystem::path& dir, bool writable,
                                                  std::uint64_t segment_bytes = kSegmentBytes);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Appends the records in order, one write per segment touched; thread-safe.
  Result<std::vector<LogLocation>> append(std::span<const LogRecord> records);
  // The payload at `where`; thread-safe.
  Result<std::string> read(const LogLocation& where) const;
  // Calls visit(location, received, payload) for each whole record from `from` on, in
  // order; stops early when visit returns false. Returns the position after the last
  // record visited.
  Result<LogPosition> scan(LogPosition from,
                           const std::function<bool(const LogLocation&, std::uint64_t, std::string_view)>& visit) const;
  // Where the next append goes.
  LogPosition end() const;
  // Segments on disk, oldest first, and their sizes.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> segments() const;
  std::uint64_t bytes() const;
  // Deletes a closed segment (never the one being appended to).
  Result<void> remove_segment(std::uint32_t segment);

  const std::filesystem::path& dir() const noexcept { return dir_; }
  static std::string segment_name(std::uint32_t segment);  // "NNNNNNNN.otlp"

 private:
  RequestLog() = default;
  std::filesystem::path segment_path(std::uint32_t segment) const;
  Result<void> open_segment_for_append(std::uint32_t segment);

  std::filesystem::path dir_;
  bool writable_ = false;
  std::uint64_t segment_bytes_ = kSegmentBytes;
  mutable std::mutex mutex_;  // guards appends and end_
  int append_fd_ = -1;
  LogPosition end_;
  // A failed write that could not be cut off again left bytes no record header
  // describes; appending after them would put acknowledged records where the next
  // open cuts the log. Every later append fails instead.
  std::string broken_;
};

}  // namespace tracechat::collector
