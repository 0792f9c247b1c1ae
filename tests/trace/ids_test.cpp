#include "tracechat/trace/ids.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include "tracechat/trace/id_generator.h"

using namespace tracechat::trace;

TEST(Ids, HexRoundTrip) {
  const auto id = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(id);
  EXPECT_TRUE(id->valid());
  EXPECT_EQ(id->hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(id->bytes()[0], 0x4b);
  EXPECT_EQ(id->bytes()[15], 0x36);

  const auto span = SpanId::from_hex("00f067aa0ba902b7");
  ASSERT_TRUE(span);
  EXPECT_EQ(span->hex(), "00f067aa0ba902b7");
}

TEST(Ids, RejectsUppercaseWrongLengthAndNonHex) {
  EXPECT_FALSE(TraceId::from_hex("4BF92F3577B34DA6A3CE929D0E0E4736"));
  EXPECT_FALSE(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e473"));
  EXPECT_FALSE(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e47366"));
  EXPECT_FALSE(SpanId::from_hex("00f067aa0ba902bz"));
  EXPECT_FALSE(SpanId::from_hex(""));
  EXPECT_FALSE(SpanId::from_hex(std::string_view("00f067aa\0ba902b7", 16)));
}

TEST(Ids, AllZeroDecodesButIsInvalid) {
  const auto zero = TraceId::from_hex("00000000000000000000000000000000");
  ASSERT_TRUE(zero);
  EXPECT_FALSE(zero->valid());
  EXPECT_FALSE(TraceId().valid());
  EXPECT_FALSE(SpanId().valid());
  EXPECT_TRUE(SpanId::from_hex("0000000000000001")->valid());
}

TEST(Ids, FromBytes) {
  const auto id = SpanId::from_bytes(std::string_view("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->hex(), "0102030405060708");
  EXPECT_FALSE(SpanId::from_bytes("short"));
}

TEST(Ids, ComparisonAndHash) {
  const auto a = *SpanId::from_hex("0000000000000001");
  const auto b = *SpanId::from_hex("0000000000000002");
  const auto high = *SpanId::from_hex("0100000000000000");
  EXPECT_LT(a, b);
  EXPECT_LT(b, high);  // byte order, most significant first
  EXPECT_EQ(a, *SpanId::from_hex("0000000000000001"));
  EXPECT_NE(a, b);
  std::unordered_set<SpanId> set{a, b, high, a};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_NE(std::hash<SpanId>{}(a), std::hash<SpanId>{}(b));
  // Ids differing only in their leading bytes must still hash apart.
  const auto t1 = *TraceId::from_hex("01000000000000000000000000000000");
  const auto t2 = *TraceId::from_hex("02000000000000000000000000000000");
  EXPECT_NE(std::hash<TraceId>{}(t1), std::hash<TraceId>{}(t2));
}

TEST(IdGenerator, ValidAndDistinct) {
  RandomIdGenerator gen;
  std::set<TraceId> traces;
  std::set<SpanId> spans;
  for (int i = 0; i < 10000; ++i) {
    const auto t = gen.new_trace_id();
    const auto s = gen.new_span_id();
    ASSERT_TRUE(t.valid());
    ASSERT_TRUE(s.valid());
    traces.insert(t);
    spans.insert(s);
  }
  EXPECT_EQ(traces.size(), 10000u);
  EXPECT_EQ(spans.size(), 10000u);
}

TEST(IdGenerator, BitsAreBalanced) {
  // Every bit position of a random id is set about half the time.
  RandomIdGenerator gen;
  constexpr int kSamples = 4096;
  std::array<int, 128> ones{};
  for (int i = 0; i < kSamples; ++i) {
    const auto id = gen.new_trace_id();
    for (int bit = 0; bit < 128; ++bit) ones[bit] += (id.bytes()[bit / 8] >> (bit % 8)) & 1;
  }
  for (int bit = 0; bit < 128; ++bit) {
    EXPECT_GT(ones[bit], kSamples * 0.4) << "bit " << bit;
    EXPECT_LT(ones[bit], kSamples * 0.6) << "bit " << bit;
  }
}

TEST(IdGenerator, ThreadsNeverCollide) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5000;
  std::mutex mutex;
  std::set<SpanId> all;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<SpanId> mine;
      for (int i = 0; i < kPerThread; ++i) mine.push_back(default_id_generator().new_span_id());
      std::lock_guard lock(mutex);
      all.insert(mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(IdGenerator, ForkedChildDoesNotRepeatParent) {
  auto& gen = default_id_generator();
  (void)gen.new_trace_id();  // seed this thread before forking
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const auto id = gen.new_trace_id();
    const auto written = write(fds[1], id.bytes().data(), TraceId::kSize);
    _exit(written == static_cast<ssize_t>(TraceId::kSize) ? 0 : 1);
  }
  const auto parent_id = gen.new_trace_id();
  TraceId child_id;
  ASSERT_EQ(read(fds[0], child_id.mutable_bytes().data(), TraceId::kSize), static_cast<ssize_t>(TraceId::kSize));
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  close(fds[1]);
  EXPECT_NE(parent_id, child_id);
}

// The word-at-a-time decoder must agree with the plain table for every character in
// every position.
TEST(Hex, SwarDecoderAgreesWithTheTableForEveryByte) {
  const auto reference = [](const char* text, std::uint8_t* out) {
    for (int i = 0; i < 4; ++i) {
      const int hi = hex::kLowerDigitValue[static_cast<unsigned char>(text[2 * i])];
      const int lo = hex::kLowerDigitValue[static_cast<unsigned char>(text[2 * i + 1])];
      if (hi < 0 || lo < 0) return false;
      out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return true;
  };
  char text[9] = "0a1b2c3d";
  for (int pos = 0; pos < 8; ++pos) {
    for (int c = 0; c < 256; ++c) {
      char input[8];
      std::memcpy(input, text, 8);
      input[pos] = static_cast<char>(c);
      std::uint8_t expected[4] = {};
      std::uint8_t actual[4] = {};
      const bool want = reference(input, expected);
      ASSERT_EQ(hex::decode8_swar(input, actual), want) << "pos " << pos << " byte " << c;
      if (want) {
        ASSERT_EQ(std::memcmp(expected, actual, 4), 0) << "pos " << pos << " byte " << c;
      }
    }
  }
  // Every lowercase digit pair decodes to its value.
  for (int v = 0; v < 256; ++v) {
    char input[8];
    for (int i = 0; i < 4; ++i) {
      input[2 * i] = hex::kDigits[v >> 4];
      input[2 * i + 1] = hex::kDigits[v & 15];
    }
    std::uint8_t out[4];
    ASSERT_TRUE(hex::decode8_swar(input, out));
    for (auto b : out) ASSERT_EQ(b, v);
  }
}
