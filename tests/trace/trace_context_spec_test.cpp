// W3C Trace Context Level 2, case by case: each case quotes the sentence of the spec text
// (spec/20-http_request_header_format.md of w3c/trace-context, the Level 2 text whose key
// grammar admits '@' and a leading digit) or of RFC 9110 that it checks, gives header
// lines as a request carries them, and says what extract_context must make of them: the
// parent the trace continues from (as tracechat writes it on) and the tracestate that goes
// on with it (to_header(): one line, at most 512 characters), or a new trace.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tracechat/trace/in_memory_exporter.h"
#include "tracechat/trace/propagation.h"
#include "tracechat/trace/sampler.h"
#include "tracechat/trace/span_processor.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::trace {
namespace {

constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kParent = "00f067aa0ba902b7";
const std::string kSampled = std::string("00-") + kTrace + "-" + kParent + "-01";

struct Line {
  std::string name;
  std::string value;
};

constexpr std::nullopt_t kNewTrace = std::nullopt;
constexpr std::nullopt_t kDropped = std::nullopt;

struct Case {
  const char* spec;  // the sentence checked, quoted
  std::vector<Line> lines;
  std::optional<std::string> parent;      // the continued context as tracechat writes it on, or kNewTrace
  std::optional<std::string> tracestate;  // what goes on with it, or kDropped (the parent goes on without)
  std::string says = "";                  // part of the reason given (an error, or a note on a dropped member)
};

std::string tp(const char* version, const char* flags, const char* rest = "") {
  return std::string(version) + "-" + kTrace + "-" + kParent + "-" + flags + rest;
}
std::string members(int first, int count) {
  std::string out;
  for (int i = first; i < first + count; ++i) {
    if (!out.empty()) out += ',';
    out.append("k").append(std::to_string(i)).append("=v");
  }
  return out;
}
// One entry of exactly `chars` characters: "<key>=xxx...".
std::string entry(const std::string& key, std::size_t chars) {
  return key + "=" + std::string(chars - key.size() - 1, 'x');
}

const std::string kNormalized = std::string("00-") + kTrace + "-" + kParent + "-01";

std::vector<Case> cases() {
  const std::string big_a = entry("a", 200), big_z = entry("z", 200);
  const std::string long_key = std::string(245, 'k') + "@vend";
  return {
      // --- header names ---
      {"Vendors MUST expect the header name in any case (upper, lower, mixed), and SHOULD send the header name "
       "in lowercase.",
       {{"TraceParent", kSampled}, {"TRACESTATE", "congo=t61rcWkgMzE"}},
       kNormalized,
       "congo=t61rcWkgMzE"},

      // --- several field lines (RFC 9110) ---
      {"RFC 9110 5.2: When a field name is repeated within a section, its combined field value consists of the "
       "list of corresponding field line values within that section, concatenated in order, with each field line "
       "value separated by a comma. (Two traceparent lines make a value that is not a traceparent.)",
       {{"traceparent", kSampled}, {"traceparent", kSampled}},
       kNewTrace,
       kDropped,
       "(2 traceparent field lines, combined"},
      {"When the version prefix cannot be parsed (it's not 2 hex characters followed by a dash (-)), the "
       "implementation should restart the trace. (An empty first traceparent line: the combined value starts ', '.)",
       {{"traceparent", ""}, {"traceparent", kSampled}},
       kNewTrace,
       kDropped,
       "expected a 2-digit version followed by '-'"},
      {"Multiple tracestate header fields MUST be handled as specified by RFC7230 Section 3.2.2 Field Order. ... "
       "When receiving multiple tracestate header fields, they MUST be combined into a single header",
       {{"traceparent", kSampled}, {"tracestate", "rojo=00f067aa0ba902b7"}, {"tracestate", "congo=t61rcWkgMzE"}},
       kNormalized,
       "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
      {"RFC 9110 5.2: concatenated in order (the tracestate lines' order holds whatever comes between them)",
       {{"tracestate", "a=1"}, {"traceparent", kSampled}, {"Tracestate", "b=2,c=3"}},
       kNormalized,
       "a=1,b=2,c=3"},
      {"Empty list members are allowed in tracestate because it is difficult for a vendor to recognize the empty "
       "value when multiple tracestate headers are sent.",
       {{"traceparent", kSampled}, {"tracestate", ""}, {"tracestate", "congo=t61rcWkgMzE"}, {"tracestate", " "}},
       kNormalized,
       "congo=t61rcWkgMzE"},
      {"There can be a maximum of 32 list-members in a list. (The list is the combined one: 16 + 16 lines.)",
       {{"traceparent", kSampled}, {"tracestate", members(0, 16)}, {"tracestate", members(16, 16)}},
       kNormalized,
       members(0, 32)},
      {"There can be a maximum of 32 list-members in a list. (17 + 16 lines: 33 in the combined list.)",
       {{"traceparent", kSampled}, {"tracestate", members(0, 17)}, {"tracestate", members(17, 16)}},
       kNormalized,
       kDropped,
       "more than 32 list-members (2 tracestate field lines"},

      // --- tracestate only after a usable traceparent ---
      {"If the vendor failed to parse traceparent, it MUST NOT attempt to parse tracestate.",
       {{"traceparent", tp("00", "01", "-extra")}, {"tracestate", "congo=t61rcWkgMzE"}},
       kNewTrace,
       kDropped,
       "version 00 must be exactly 55 characters"},
      {"Note that the opposite is not true: failure to parse tracestate MUST NOT affect the parsing of "
       "traceparent.",
       {{"traceparent", kSampled}, {"tracestate", "rojo=1,Bad=2"}},
       kNormalized,
       kDropped,
       "list-member 2 'Bad=2': key 'Bad' must start with a lowercase letter or a digit"},

      // --- keys (Level 2) ---
      {"key = ( lcalpha / DIGIT ) 0*255 ( keychar ) (a key may begin with a digit)",
       {{"traceparent", kSampled}, {"tracestate", "1abc=v"}},
       kNormalized,
       "1abc=v"},
      {"keychar = lcalpha / DIGIT / \"_\" / \"-\"/ \"*\" / \"/\" / \"@\" ('@' anywhere after the first character)",
       {{"traceparent", kSampled}, {"tracestate", "foo@=1,a@b@c=2,t_-*/@s=3"}},
       kNormalized,
       "foo@=1,a@b@c=2,t_-*/@s=3"},
      {"A key MUST begin with a lowercase letter or a digit and contain up to 256 characters including lowercase "
       "letters (a-z), digits (0-9), underscores (_), dashes (-), asterisks (*), forward slashes (/), and at signs "
       "(@). (A 250-character key with '@' near the end.)",
       {{"traceparent", kSampled}, {"tracestate", long_key + "=v"}},
       kNormalized,
       long_key + "=v"},
      {"A key MUST begin with a lowercase letter or a digit (not '@')",
       {{"traceparent", kSampled}, {"tracestate", "@vendor=1"}},
       kNormalized,
       kDropped,
       "key '@vendor'"},
      {"contain up to 256 characters (257 is one too many)",
       {{"traceparent", kSampled}, {"tracestate", std::string(257, 'k') + "=v"}},
       kNormalized,
       kDropped,
       "at most 256"},

      // --- values ---
      {"The value is an opaque string containing up to 256 printable ASCII [RFC0020] characters (i.e., the range "
       "0x20 to 0x7E) except comma (,) and (=)",
       {{"traceparent", kSampled}, {"tracestate", "a=b=c"}},
       kNormalized,
       kDropped,
       "value must be 1-256 printable ASCII characters"},
      {"Note that this also excludes tabs, newlines, carriage returns, etc.",
       {{"traceparent", kSampled}, {"tracestate", "a=b\tc"}},
       kNormalized,
       kDropped,
       "list-member 1"},
      {"This means that all leading spaces MUST be preserved as part of the value and all trailing spaces are "
       "considered to be optional whitespace characters not part of the value.",
       {{"traceparent", kSampled}, {"tracestate", "a= x  ,b=y   "}},
       kNormalized,
       "a= x,b=y"},

      // --- optional whitespace and empty members ---
      {"Spaces and horizontal tabs surrounding list-members are ignored.",
       {{"traceparent", kSampled}, {"tracestate", " \t a=1 \t,\tb=2 "}},
       kNormalized,
       "a=1,b=2"},
      {"Empty and whitespace-only list members are allowed. Vendors MUST accept empty tracestate headers but "
       "SHOULD avoid sending them.",
       {{"traceparent", kSampled}, {"tracestate", " , \t ,"}},
       kNormalized,
       ""},

      // --- duplicate keys ---
      {"Only one entry per key is allowed because the entry represents that last position in the trace. (The "
       "left-most, most recent member is kept; the others are not lost.)",
       {{"traceparent", kSampled}, {"tracestate", "foo=1,foo=1"}},
       kNormalized,
       "foo=1",
       "list-member 2 'foo=1' dropped"},
      {"The left-most position lets the next server know which tracing system corresponds with traceparent. (A "
       "duplicate across lines.)",
       {{"traceparent", kSampled}, {"tracestate", "congo=second,rojo=1"}, {"tracestate", "congo=first"}},
       kNormalized,
       "congo=second,rojo=1",
       "key 'congo' came earlier"},

      // --- size ---
      {"Vendors SHOULD propagate at least 512 characters of a combined header. (Exactly 512: 2 x 255 + comma.)",
       {{"traceparent", kSampled}, {"tracestate", entry("a", 255)}, {"tracestate", entry("b", 256)}},
       kNormalized,
       entry("a", 255) + "," + entry("b", 256)},
      {"Entries larger than 128 characters long SHOULD be removed first. Then entries SHOULD be removed starting "
       "from the end of tracestate.",
       {{"traceparent", kSampled},
        {"tracestate", big_a + ",m=1," + big_z},
        {"tracestate", entry("n", 100) + "," + entry("o", 100)}},
       kNormalized,
       big_a + ",m=1," + entry("n", 100) + "," + entry("o", 100)},

      // --- traceparent versions and flags ---
      {"Version ff is invalid.", {{"traceparent", tp("ff", "01")}}, kNewTrace, kDropped, "version ff is forbidden"},
      {"Parse the sampled bit of flags (2 characters from the third dash). Vendors MUST check that the 2 characters "
       "are either at the end of the string or followed by a dash.",
       {{"traceparent", tp("cc", "01", "-what-the-future-will-be-like")}, {"tracestate", "congo=t61rcWkgMzE"}},
       kNormalized,
       "congo=t61rcWkgMzE"},
      {"Vendors MUST check that the 2 characters are either at the end of the string or followed by a dash.",
       {{"traceparent", tp("cc", "01", ".future")}},
       kNewTrace,
       kDropped,
       "trace-flags must be followed by '-'"},
      {"If the size of the header is shorter than 55 characters, the vendor should not parse the header and should "
       "restart the trace.",
       {{"traceparent", tp("cc", "0")}},
       kNewTrace,
       kDropped,
       "shorter than 55 characters"},
      {"trace-id = 32HEXDIGLC (lowercase hex only)",
       {{"traceparent", std::string("00-4BF92F3577B34DA6A3CE929D0E0E4736-") + kParent + "-01"}},
       kNewTrace,
       kDropped,
       "trace-id is not 32 lowercase hex digits"},
      {"All bytes as zero (0000000000000000) is considered an invalid value.",
       {{"traceparent", std::string("00-") + kTrace + "-0000000000000000-01"}},
       kNewTrace,
       kDropped,
       "parent-id is all zeros"},
      {"The second least significant bit of the trace-flags field denotes the random-trace-id flag. (Level 2's "
       "trace-flags section, not in the stored copy of the file named above; kept as received, sampled unset.)",
       {{"traceparent", tp("00", "02")}},
       tp("00", "02"),
       ""},
      {"The behavior of other flags, such as (00000100) is not defined and is reserved for future use. Vendors MUST "
       "set those to zero.",
       {{"traceparent", tp("00", "ff")}},
       tp("00", "03"),
       ""},
  };
}

TEST(TraceContextSpec, EachCaseAsTheSpecTextSays) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.spec);
    std::vector<FieldLine> lines;
    for (const auto& l : c.lines) lines.push_back({l.name, l.value});
    const ExtractedContext got = extract_context(lines);
    std::string reasons = got.traceparent_error + "|" + got.tracestate_error;
    for (const auto& note : got.tracestate_dropped) reasons += "|" + note;
    if (!c.says.empty()) {
      EXPECT_NE(reasons.find(c.says), std::string::npos) << reasons;
    }
    if (!c.parent) {
      EXPECT_FALSE(got.parent) << got.parent->traceparent();
      EXPECT_FALSE(got.traceparent_error.empty());
      EXPECT_TRUE(got.tracestate_error.empty()) << "tracestate is not read without a traceparent";
      continue;
    }
    ASSERT_TRUE(got.parent) << got.traceparent_error;
    EXPECT_TRUE(got.parent->remote);
    EXPECT_EQ(got.parent->traceparent(), *c.parent);
    if (c.tracestate) {
      EXPECT_TRUE(got.tracestate_error.empty()) << got.tracestate_error;
      EXPECT_EQ(got.parent->trace_state.to_header(), *c.tracestate);
    } else {
      EXPECT_FALSE(got.tracestate_error.empty());
      EXPECT_TRUE(got.parent->trace_state.empty());
    }
  }
}

// Level 2: "The second least significant bit of the trace-flags field denotes the
// random-trace-id flag." The flag says how the trace-id was made, so a child, which keeps
// the trace-id, keeps it as received (set or not) whatever its own sampling decision; the
// tracestate goes to the child too.
TEST(TraceContextSpec, AChildKeepsTheRandomFlagAndTheTracestate) {
  TracerProviderOptions options;
  options.sampler = always_on_sampler();
  options.processor = std::make_shared<SimpleSpanProcessor>(
      std::make_unique<InMemorySpanExporter>(std::make_shared<InMemorySpanStore>()));
  TracerProvider provider(std::move(options));
  const Tracer tracer = provider.tracer("spec-test");
  for (const char* flags : {"00", "01", "02", "03"}) {
    SCOPED_TRACE(flags);
    const std::string traceparent = tp("00", flags);  // the lines view it
    const std::vector<FieldLine> lines{{"traceparent", traceparent}, {"tracestate", "a=1"}, {"tracestate", "b=2"}};
    const auto extracted = extract_context(lines);
    ASSERT_TRUE(extracted.parent);
    StartSpanOptions child_options;
    child_options.parent = *extracted.parent;
    Span child = tracer.start_span("child", child_options);
    EXPECT_EQ(child.context().trace_id.hex(), kTrace);
    EXPECT_EQ(child.context().flags.random(), extracted.parent->flags.random());
    EXPECT_TRUE(child.context().sampled()) << "the bridge's own decision (always on here)";
    EXPECT_EQ(child.context().trace_state.to_header(), "a=1,b=2");
    child.end();
  }
}

// SpanContext::from_headers reads its two values as one line each, by the same rules.
TEST(TraceContextSpec, FromHeadersAgreesWithExtractContext) {
  for (const auto& [traceparent, tracestate] : std::vector<std::pair<std::string, std::string>>{
           {kSampled, "congo=t61rcWkgMzE,congo=x"}, {kSampled, "Bad=1"}, {tp("ff", "01"), "a=1"}, {"", ""}}) {
    std::vector<FieldLine> lines{{"traceparent", traceparent}};
    if (!tracestate.empty()) lines.push_back({"tracestate", tracestate});
    const auto extracted = extract_context(lines);
    const auto context = SpanContext::from_headers(traceparent, tracestate);
    ASSERT_EQ(context.ok(), extracted.parent.has_value()) << traceparent;
    if (!context.ok()) {
      EXPECT_EQ(context.error().message, extracted.traceparent_error);
      continue;
    }
    EXPECT_EQ(context->traceparent(), extracted.parent->traceparent());
    EXPECT_EQ(context->trace_state, extracted.parent->trace_state);
  }
}

// What a request without the fields, or with only a tracestate, gives: no parent and no
// complaint, since nothing was sent to continue.
TEST(TraceContextSpec, NoTraceparentLineIsNoParentAndNoError) {
  const std::vector<FieldLine> lines{{"tracestate", "a=1"}, {"content-type", "application/json"}};
  const auto extracted = extract_context(lines);
  EXPECT_FALSE(extracted.parent);
  EXPECT_EQ(extracted.traceparent_lines, 0u);
  EXPECT_TRUE(extracted.traceparent_error.empty());
  EXPECT_TRUE(extracted.tracestate_error.empty());
}

TEST(TraceContextSpec, CombinedFieldJoinsEveryLineOfTheNameInOrder) {
  const std::vector<FieldLine> lines{{"TraceState", "a=1"}, {"x", "y"}, {"tracestate", ""}, {"TRACESTATE", "b=2"}};
  const auto combined = combined_field(lines, "tracestate");
  EXPECT_EQ(combined.value, "a=1, , b=2");
  EXPECT_EQ(combined.lines, 3u);
  EXPECT_EQ(combined_field(lines, "traceparent").lines, 0u);
}

}  // namespace
}  // namespace tracechat::trace
