#include "common/credentials_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

namespace tracechat::common {
namespace {

namespace fs = std::filesystem;
using Kind = CredentialsFileError::Kind;

class CredentialsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("tracechat-credentials-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A file with `text` and exactly `mode`, whatever the umask.
  fs::path write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::trunc) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  fs::path dir_;
};

const std::string kGood = R"({"client_id": "id-1", "client_secret": "s3cr3t"})";

TEST_F(CredentialsFile, AnOwnerOnlyFileIsRead) {
  for (mode_t mode : {0600, 0400}) {
    auto read = read_credentials_file(write("c.json", kGood, mode));
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read->client_id, "id-1");
    EXPECT_EQ(read->client_secret, "s3cr3t");
  }
}

TEST_F(CredentialsFile, AFileOthersCanAccessIsRefusedWithWhatToDo) {
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602, 0620, 0601, 0610, 0777}) {
    const auto path = write("c.json", kGood, mode);
    auto read = read_credentials_file(path);
    ASSERT_FALSE(read.ok()) << std::oct << mode;
    EXPECT_EQ(read.error().kind, Kind::unsafe);
    const auto& message = read.error().message;
    EXPECT_EQ(message.rfind(path.string() + ": ", 0), 0u) << message;  // the file first
    EXPECT_NE(message.find("chmod 600 " + path.string()), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
  }
}

TEST_F(CredentialsFile, ASymbolicLinkIsRefusedEvenToAGoodFile) {
  const auto target = write("target.json", kGood);
  const auto link = dir_ / "c.json";
  fs::create_symlink(target, link);
  auto read = read_credentials_file(link);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, Kind::unreadable);
  EXPECT_EQ(read.error().message.rfind(link.string() + ": ", 0), 0u) << read.error().message;
  EXPECT_NE(read.error().message.find("symbolic link"), std::string::npos) << read.error().message;
}

TEST_F(CredentialsFile, WhatIsNotARegularFileIsRefused) {
  fs::create_directory(dir_ / "d");
  ::chmod((dir_ / "d").c_str(), 0700);
  auto directory = read_credentials_file(dir_ / "d");
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message.find("not a regular file"), std::string::npos) << directory.error().message;
  // A FIFO nobody writes to: refused at once, not waited on.
  const auto fifo = dir_ / "f";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto from_fifo = read_credentials_file(fifo);
  ASSERT_FALSE(from_fifo.ok());
  EXPECT_NE(from_fifo.error().message.find("not a regular file"), std::string::npos) << from_fifo.error().message;
  auto missing = read_credentials_file(dir_ / "missing.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, Kind::unreadable);
  EXPECT_EQ(missing.error().message.rfind((dir_ / "missing.json").string() + ": cannot read it", 0), 0u)
      << missing.error().message;
  auto huge = read_credentials_file(write("huge.json", std::string(100000, ' ') + kGood));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("too large"), std::string::npos) << huge.error().message;
}

TEST_F(CredentialsFile, AnythingButExactlyTheTwoMembersIsMalformed) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{oops", "invalid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"client_id": "x"})", "client_secret: required"},
      {R"({"client_id": "x", "client_secret": 1})", "client_secret: expected string"},
      {R"({"client_id": "x", "client_secret": "y", "scope": "z"})", "scope: unknown member"},
      {R"({"client_id": "", "client_secret": "y"})", "client_id: must be non-empty, without ':'"},
      {R"({"client_id": "a:b", "client_secret": "y"})", "client_id: must be non-empty, without ':'"},
      {R"({"client_id": "x", "client_secret": ""})", "client_secret: must not be empty"},
  };
  for (const auto& [text, what] : cases) {
    const auto path = write("c.json", text);
    auto read = read_credentials_file(path);
    ASSERT_FALSE(read.ok()) << text;
    EXPECT_EQ(read.error().kind, Kind::malformed) << text;
    EXPECT_EQ(read.error().message.rfind(path.string() + ": ", 0), 0u) << read.error().message;
    EXPECT_NE(read.error().message.find(what), std::string::npos) << read.error().message;
    EXPECT_NE(read.error().message.find(R"(expected {"client_id")"), std::string::npos) << read.error().message;
  }
}

}  // namespace
}  // namespace tracechat::common
