// A self-signed certificate made with the openssl command for TLS tests: valid for
// 127.0.0.1 and localhost unless another name is asked for.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tracechat::test_support {

struct SelfSigned {
  std::filesystem::path dir, cert, key;

  explicit SelfSigned(const std::string& san = "IP:127.0.0.1,DNS:localhost") {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("tracechat-tls-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
    cert = dir / "cert.pem";
    key = dir / "key.pem";
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=tracechat-test -addext "
        "subjectAltName=" +
        san + " -keyout " + key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
    ok = std::system(command.c_str()) == 0;
  }
  ~SelfSigned() { std::filesystem::remove_all(dir); }
  bool ok = false;
};

}  // namespace tracechat::test_support
