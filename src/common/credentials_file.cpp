#include "common/credentials_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/json_reader.h"

namespace tracechat::common {

namespace {

using Kind = CredentialsFileError::Kind;

// Two short strings in JSON: anything near this is not a credentials file.
constexpr off_t kMaxFileBytes = 64 * 1024;

CredentialsFileError failure(Kind kind, const std::filesystem::path& path, std::string_view what) {
  return CredentialsFileError{kind, path.string() + ": " + std::string(what)};
}

// Closes the descriptor on every way out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

Result<ClientCredentials, CredentialsFileError> read_credentials_file(const std::filesystem::path& path) {
  // O_NOFOLLOW: a symbolic link in the file's place is refused (ELOOP) rather than followed
  // to whatever it points at; directories above it are trusted, as ssh trusts them.
  // O_NONBLOCK: a FIFO in its place cannot hang the open; the fstat below refuses it.
  // The checks are of the open descriptor, so the file cannot be swapped between them
  // and the read.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ELOOP) {
      return failure(Kind::unreadable, path,
                     "is a symbolic link; a credentials file is read only in place: give the path of the file itself");
    }
    return failure(Kind::unreadable, path, std::string("cannot read it: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return failure(Kind::unreadable, path, std::string("cannot read it: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return failure(Kind::unreadable, path, "not a regular file");
  if (st.st_uid != ::geteuid()) {
    return failure(Kind::unsafe, path,
                   "owned by uid " + std::to_string(st.st_uid) + ", not by you (uid " + std::to_string(::geteuid()) +
                       "); it holds a secret: use a copy of your own, readable by you only (chmod 600)");
  }
  if ((st.st_mode & 077) != 0) {
    return failure(Kind::unsafe, path,
                   "permissions " + octal_mode(st.st_mode) +
                       " are too open; it holds a secret and must not be accessible by others: run chmod 600 " +
                       path.string());
  }
  if (st.st_size > kMaxFileBytes) {
    return failure(Kind::unreadable, path,
                   "too large for a credentials file (" + std::to_string(st.st_size) + " bytes)");
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure(Kind::unreadable, path, std::string("cannot read it: ") + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > static_cast<std::size_t>(kMaxFileBytes)) {
      return failure(Kind::unreadable, path, "too large for a credentials file");
    }
  }

  const auto malformed = [&](std::string_view what) {
    return failure(Kind::malformed, path,
                   std::string(what) + "; expected {\"client_id\": \"...\", \"client_secret\": \"...\"}");
  };
  auto parsed = parse_object(text, 4, "it");
  if (!parsed) return malformed(parsed.error().message);
  const ObjectReader r(parsed->object(), "");
  if (const auto unknown = r.unknown_members({"client_id", "client_secret"}); !unknown.empty()) {
    return malformed(unknown.front() + ": unknown member");
  }
  auto id = r.required_string("client_id");
  if (!id) return malformed(id.error().message);
  auto secret = r.required_string("client_secret");
  if (!secret) return malformed(secret.error().message);
  if (id->empty() || id->find(':') != std::string::npos) return malformed("client_id: must be non-empty, without ':'");
  if (secret->empty()) return malformed("client_secret: must not be empty");
  return ClientCredentials{std::move(*id), std::move(*secret)};
}

}  // namespace tracechat::common
