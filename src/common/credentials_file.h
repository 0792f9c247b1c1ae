// The OAuth client credentials file, {"client_id": "…", "client_secret": "…"}: the one the
// emulator generates beside its database and the one `tracechat find --credentials`
// reads. It holds a secret, so it is read only when nobody else could have read or
// replaced it, as ssh treats a private key.
#pragma once

#include <filesystem>
#include <string>

#include "tracechat/result.h"

namespace tracechat::common {

struct ClientCredentials {
  std::string client_id;
  std::string client_secret;
};

struct CredentialsFileError {
  enum class Kind {
    unreadable,  // missing, a symbolic link, not a regular file, too large, a read error
    unsafe,      // owned by another user, or open to group or others: says what to do
    malformed,   // not exactly the object above
  };
  Kind kind;
  std::string message;  // "<path>: <what>"
};

// Reads the file at `path`, which must be a regular file (not a symbolic link: the last
// component is opened with O_NOFOLLOW), owned by the effective user, with no permission
// bits for group or others (mode 0600 or 0400), and hold exactly the two members, both
// non-empty strings, with no ':' in the id (it separates id and secret in Basic
// credentials). Errors name the file first; an unsafe one says to chmod 600 it.
Result<ClientCredentials, CredentialsFileError> read_credentials_file(const std::filesystem::path& path);

}  // namespace tracechat::common
