#include "tracechat/collector/request_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>

namespace tracechat::collector {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[3] = {'T', 'C', 'R'};
constexpr char kProtobufMark = '1';
constexpr char kJsonMark = 'J';

std::string os_error(std::string_view doing, const fs::path& path) {
  return std::string(doing) + " '" + path.string() + "': " + std::strerror(errno);
}

void put_le(std::uint8_t* out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}
std::uint64_t get_le(const std::uint8_t* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<std::uint64_t>(in[i]) << (8 * i);
  return value;
}

struct Header {
  std::uint32_t length = 0;
  std::uint64_t received = 0;
  BodyFormat format = BodyFormat::protobuf;
};

// Reads the header at `offset`; false at the end of the data or where no whole
// record starts (a torn write).
bool read_header(int fd, std::uint64_t offset, std::uint64_t file_size, Header& header) {
  if (offset + RequestLog::kHeaderBytes > file_size) return false;
  std::array<std::uint8_t, RequestLog::kHeaderBytes> raw{};
  if (pread(fd, raw.data(), raw.size(), static_cast<off_t>(offset)) != static_cast<ssize_t>(raw.size())) return false;
  if (std::memcmp(raw.data(), kMagic, 3) != 0) return false;
  if (raw[3] == kProtobufMark) {
    header.format = BodyFormat::protobuf;
  } else if (raw[3] == kJsonMark) {
    header.format = BodyFormat::json;
  } else {
    return false;
  }
  header.length = static_cast<std::uint32_t>(get_le(raw.data() + 4, 4));
  header.received = get_le(raw.data() + 8, 8);
  return offset + RequestLog::kHeaderBytes + header.length <= file_size;
}

bool read_all(int fd, char* out, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t got = pread(fd, out, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    size -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

// pwritev until everything is written.
bool write_all(int fd, std::vector<iovec>& iov, std::uint64_t offset) {
  std::size_t first = 0;
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(iov.size() - first, IOV_MAX));
    const ssize_t wrote = pwritev(fd, iov.data() + first, count, static_cast<off_t>(offset));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    offset += static_cast<std::uint64_t>(wrote);
    auto left = static_cast<std::size_t>(wrote);
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return true;
}

std::uint64_t file_size(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

}  // namespace

std::string RequestLog::segment_name(std::uint32_t segment) {
  char name[32];
  std::snprintf(name, sizeof name, "%08u.otlp", segment);
  return name;
}

fs::path RequestLog::segment_path(std::uint32_t segment) const { return dir_ / segment_name(segment); }

std::vector<std::pair<std::uint32_t, std::uint64_t>> RequestLog::segments() const {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 13 || name.substr(8) != ".otlp") continue;
    std::uint32_t number = 0;
    const auto [end, err] = std::from_chars(name.data(), name.data() + 8, number);
    if (err != std::errc() || end != name.data() + 8) continue;
    std::error_code size_ec;
    const auto size = entry.file_size(size_ec);
    out.emplace_back(number, size_ec ? 0 : static_cast<std::uint64_t>(size));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::uint64_t RequestLog::bytes() const {
  std::uint64_t total = 0;
  for (const auto& [segment, size] : segments()) total += size;
  return total;
}

Result<std::unique_ptr<RequestLog>> RequestLog::open(const fs::path& dir, bool writable, std::uint64_t segment_bytes) {
  std::unique_ptr<RequestLog> log(new RequestLog());
  log->dir_ = dir;
  log->writable_ = writable;
  log->segment_bytes_ = std::max<std::uint64_t>(segment_bytes, 1);
  if (!writable) return log;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{"cannot create the request log folder '" + dir.string() + "': " + ec.message()};
  const auto existing = log->segments();
  const std::uint32_t last = existing.empty() ? 1 : existing.back().first;
  TRACECHAT_CHECK(log->open_segment_for_append(last));
  // Cut off a record a dying process left half-written.
  const std::uint64_t size = file_size(log->append_fd_);
  std::uint64_t offset = 0;
  Header header;
  while (read_header(log->append_fd_, offset, size, header)) offset += kHeaderBytes + header.length;
  if (offset < size && ftruncate(log->append_fd_, static_cast<off_t>(offset)) != 0) {
    return Error{os_error("cannot repair", log->segment_path(last))};
  }
  log->end_ = LogPosition{last, offset};
  return log;
}

RequestLog::~RequestLog() {
  if (append_fd_ >= 0) ::close(append_fd_);
}

Result<void> RequestLog::open_segment_for_append(std::uint32_t segment) {
  const fs::path path = segment_path(segment);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error{os_error("cannot open", path)};
  if (append_fd_ >= 0) ::close(append_fd_);
  append_fd_ = fd;
  return {};
}

LogPosition RequestLog::end() const {
  std::lock_guard lock(mutex_);
  return end_;
}

Result<std::vector<LogLocation>> RequestLog::append(std::span<const LogRecord> records) {
  if (!writable_) return Error{"the request log was opened read-only"};
  std::vector<LogLocation> out;
  out.reserve(records.size());
  std::vector<std::array<std::uint8_t, kHeaderBytes>> headers(records.size());
  std::vector<iovec> iov;
  iov.reserve(2 * records.size());
  for (const LogRecord& record : records) {
    if (record.payload.size() > UINT32_MAX) return Error{"a request larger than 4 GiB cannot be logged"};
  }
  std::lock_guard lock(mutex_);
  if (!broken_.empty()) return Error{broken_};
  std::uint64_t write_from = end_.offset;
  const auto flush = [&]() -> Result<void> {
    if (iov.empty()) return {};
    if (!write_all(append_fd_, iov, write_from)) {
      const std::string error = os_error("cannot write", segment_path(end_.segment));
      // Leave no partial record behind (a failed write is answered 503 and retried).
      if (ftruncate(append_fd_, static_cast<off_t>(write_from)) != 0) {
        broken_ = error + "; and cannot cut the partial write off (restart the collector)";
        return Error{broken_};
      }
      end_ = LogPosition{end_.segment, write_from};
      return Error{error};
    }
    iov.clear();
    return {};
  };
  for (std::size_t i = 0; i < records.size(); ++i) {
    const LogRecord& record = records[i];
    const std::uint64_t size = kHeaderBytes + record.payload.size();
    if (end_.offset > 0 && end_.offset + size > segment_bytes_) {
      TRACECHAT_CHECK(flush());
      TRACECHAT_CHECK(open_segment_for_append(end_.segment + 1));
      end_ = LogPosition{end_.segment + 1, 0};
      write_from = 0;
    }
    auto& header = headers[i];
    std::memcpy(header.data(), kMagic, 3);
    header[3] = static_cast<std::uint8_t>(record.format == BodyFormat::json ? kJsonMark : kProtobufMark);
    put_le(header.data() + 4, record.payload.size(), 4);
    put_le(header.data() + 8, record.received_unix_nano, 8);
    iov.push_back(iovec{header.data(), header.size()});
    iov.push_back(iovec{const_cast<char*>(record.payload.data()), record.payload.size()});
    out.push_back(LogLocation{end_.segment, end_.offset + kHeaderBytes,
                              static_cast<std::uint32_t>(record.payload.size()), record.format});
    end_.offset += size;
  }
  // On failure, records of this call already in an earlier segment stay there
  // unindexed; none of them is reported stored.
  TRACECHAT_CHECK(flush());
  return out;
}

Result<std::string> RequestLog::read(const LogLocation& where) const {
  const fs::path path = segment_path(where.segment);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{os_error("cannot open", path)};
  std::string out(where.length, '\0');
  const bool ok = read_all(fd, out.data(), out.size(), where.offset);
  ::close(fd);
  if (!ok)
    return Error{"'" + path.string() + "' ends before the request stored at offset " + std::to_string(where.offset)};
  return out;
}

Result<LogPosition> RequestLog::scan(
    LogPosition from, const std::function<bool(const LogLocation&, std::uint64_t, std::string_view)>& visit) const {
  LogPosition position = from;
  std::string payload;
  for (const auto& [segment, size] : segments()) {
    if (segment < from.segment) continue;
    const fs::path path = segment_path(segment);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{os_error("cannot open", path)};
    const std::uint64_t length = file_size(fd);
    std::uint64_t offset = segment == from.segment ? from.offset : 0;
    position = LogPosition{segment, offset};
    Header header;
    while (read_header(fd, offset, length, header)) {
      payload.resize(header.length);
      if (!read_all(fd, payload.data(), payload.size(), offset + kHeaderBytes)) break;
      const LogLocation where{segment, offset + kHeaderBytes, header.length, header.format};
      offset += kHeaderBytes + header.length;
      const bool go_on = visit(where, header.received, payload);
      position = LogPosition{segment, offset};
      if (!go_on) {
        ::close(fd);
        return position;
      }
    }
    ::close(fd);
  }
  return position;
}

Result<void> RequestLog::remove_segment(std::uint32_t segment) {
  {
    std::lock_guard lock(mutex_);
    if (writable_ && segment >= end_.segment) return Error{"the segment being appended to cannot be removed"};
  }
  std::error_code ec;
  fs::remove(segment_path(segment), ec);
  if (ec) return Error{"cannot remove '" + segment_path(segment).string() + "': " + ec.message()};
  return {};
}

}  // namespace tracechat::collector
