#include "oauth_client_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "common/credentials_file.h"
#include "common/random_token.h"
#include "tracechat/protocol/uuid.h"

namespace tracechat::emulator {

namespace json = boost::json;

namespace {

Error file_error(const std::filesystem::path& file, std::string_view what) {
  return Error{"OAuth client file " + file.string() + ": " + std::string(what)};
}

Result<OAuthClientCredentials> read_client_file(const std::filesystem::path& file) {
  auto read = common::read_credentials_file(file);
  if (!read) {
    // The reader's message names the file first; a file that is there but wrong is also
    // one the emulator can replace, which the reader cannot know.
    std::string message = "OAuth client file " + read.error().message;
    if (read.error().kind == common::CredentialsFileError::Kind::malformed) {
      message += " (delete the file to generate a new client)";
    }
    return Error{std::move(message)};
  }
  return OAuthClientCredentials{std::move(read->client_id), std::move(read->client_secret)};
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::filesystem::path oauth_client_file_for(const std::filesystem::path& db) {
  auto file = db;
  file.replace_extension(".oauth-client.json");
  return file;
}

Result<OAuthClientCredentials> load_or_create_oauth_client(const std::filesystem::path& file) {
  // O_EXCL: an existing file is never truncated or replaced (its credentials may be saved
  // elsewhere), and two emulators starting at once cannot both write one. O_EXCL also
  // never follows a symbolic link in the file's place (POSIX: EEXIST, even for a dangling
  // one), so no O_NOFOLLOW is needed for the write; the reader then refuses the link. The
  // mode is given at creation so the secret is never readable by others, not even
  // briefly; the fchmod undoes nothing but a umask that is stricter than 0600 would.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_client_file(file);
    return file_error(file, std::string("cannot create it: ") + std::strerror(errno));
  }
  const OAuthClientCredentials client{protocol::random_uuid(), common::random_token()};
  const std::string text =
      json::serialize(json::object{{"client_id", client.client_id}, {"client_secret", client.client_secret}}) + "\n";
  const bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(file.c_str());
    return file_error(file, std::string("cannot write it: ") + std::strerror(saved_errno));
  }
  return client;
}

}  // namespace tracechat::emulator
