// index_traces_json: the collector's check of an OTLP/JSON request, made while the text
// is parsed (Boost.JSON's basic_parser calls a handler for each token) instead of on a
// parsed document. Building the document was most of the cost of taking a JSON
// request: a node and often a copy for every value of a 400 kB body, then a lookup for
// every member the decoder asks for. Here each member is looked up once, as it comes.
//
// The verdict must be the decoder's, word for word (fuzz/otlp_json_fuzz.cpp and the
// decoding tests compare the two). The decoder reads a message's fields in a fixed
// order and stops at the first bad one; the text gives them in any order, so each
// message keeps the error of every field it has seen and reports the one the decoder
// would have read first. A JSON object may also give a member twice, or in both its
// spellings: as in the document the decoder reads, the last one counts and the
// lowerCamelCase one beats the snake_case one, so a member that is overridden has its
// errors and the spans it produced taken back.
#include <algorithm>
#include <array>
#include <bit>
#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "json_mapping.h"
#include "tracechat/otlp/decoding.h"

namespace tracechat::otlp {
namespace {
namespace json = boost::json;
using trace::SpanId;
using trace::TraceId;

// The messages of an ExportTraceServiceRequest that the decoder reads.
enum class Message : std::uint8_t {
  request,
  resource_spans,
  resource,
  scope_spans,
  scope,
  span,
  event,
  link,
  status,
  key_value,
  any_value,
  array_value,
};

// What a field's value must be.
enum class Reads : std::uint8_t {
  string,
  id16,
  id8,
  uint64,
  uint32,
  int64,
  span_kind,
  status_code,
  boolean,   // AnyValue.boolValue: true or false (null is refused)
  number,    // AnyValue.doubleValue: a number or NaN/Infinity/-Infinity (null is refused)
  message,   // an object of Field::message, or null
  list,      // an array of Field::message objects, or null
  any,       // an AnyValue: an object or null
  anything,  // AnyValue.kvlistValue: not checked
};

// What a list makes of a null item.
enum class NullItems : std::uint8_t { refused, skipped };

struct Field {
  std::string_view name;       // lowerCamelCase: the spelling errors use
  std::string_view alternate;  // the snake_case spelling, or empty
  Reads reads;
  Message message = Message::request;  // of a message or list field
  NullItems nulls = NullItems::refused;
  bool holds_spans = false;  // the spans of the request are produced under this field
};

// Each message's fields in the order the decoder reads them: a field's index is its
// rank when two are wrong.
constexpr Field kRequest[] = {
    {"resourceSpans", "resource_spans", Reads::list, Message::resource_spans, NullItems::skipped, true}};
constexpr Field kResourceSpans[] = {
    {"resource", {}, Reads::message, Message::resource},
    {"schemaUrl", "schema_url", Reads::string},
    {"scopeSpans", "scope_spans", Reads::list, Message::scope_spans, NullItems::skipped, true}};
constexpr Field kAttributes = {"attributes", {}, Reads::list, Message::key_value};
constexpr Field kDroppedAttributes = {"droppedAttributesCount", "dropped_attributes_count", Reads::uint32};
constexpr Field kResource[] = {kAttributes, kDroppedAttributes};
constexpr Field kScopeSpans[] = {{"scope", {}, Reads::message, Message::scope},
                                 {"schemaUrl", "schema_url", Reads::string},
                                 {"spans", {}, Reads::list, Message::span, NullItems::refused, true}};
constexpr Field kScope[] = {{"name", {}, Reads::string}, {"version", {}, Reads::string}};
enum SpanField : int {
  kTraceId,
  kSpanId,
  kParentSpanId,
  kSpanName = 4,
  kStart = 6,
  kEnd = 7,
  kSpanAttributes = 9,
  kStatus = 15
};
constexpr Field kSpan[] = {{"traceId", "trace_id", Reads::id16},
                           {"spanId", "span_id", Reads::id8},
                           {"parentSpanId", "parent_span_id", Reads::id8},
                           {"traceState", "trace_state", Reads::string},
                           {"name", {}, Reads::string},
                           {"kind", {}, Reads::span_kind},
                           {"startTimeUnixNano", "start_time_unix_nano", Reads::uint64},
                           {"endTimeUnixNano", "end_time_unix_nano", Reads::uint64},
                           {"flags", {}, Reads::uint32},
                           kAttributes,
                           kDroppedAttributes,
                           {"events", {}, Reads::list, Message::event},
                           {"links", {}, Reads::list, Message::link},
                           {"droppedEventsCount", "dropped_events_count", Reads::uint32},
                           {"droppedLinksCount", "dropped_links_count", Reads::uint32},
                           {"status", {}, Reads::message, Message::status}};
constexpr Field kEvent[] = {
    {"timeUnixNano", "time_unix_nano", Reads::uint64}, {"name", {}, Reads::string}, kAttributes, kDroppedAttributes};
constexpr Field kLink[] = {{"traceId", "trace_id", Reads::id16},
                           {"spanId", "span_id", Reads::id8},
                           {"traceState", "trace_state", Reads::string},
                           {"flags", {}, Reads::uint32},
                           kAttributes,
                           kDroppedAttributes};
constexpr Field kStatusFields[] = {{"code", {}, Reads::status_code}, {"message", {}, Reads::string}};
enum KeyValueField : int { kKey, kValue };
constexpr Field kKeyValue[] = {{"key", {}, Reads::string}, {"value", {}, Reads::any}};
// The oneof: the first of these present (null counts) is the value.
enum AnyValueField : int { kStringValue = 0, kBoolValue = 1, kIntValue = 2, kBytesValue = 6 };
constexpr Field kAnyValue[] = {{"stringValue", "string_value", Reads::string},
                               {"boolValue", "bool_value", Reads::boolean},
                               {"intValue", "int_value", Reads::int64},
                               {"doubleValue", "double_value", Reads::number},
                               {"arrayValue", "array_value", Reads::message, Message::array_value},
                               {"kvlistValue", "kvlist_value", Reads::anything},
                               {"bytesValue", "bytes_value", Reads::string}};
constexpr Field kArrayValue[] = {{"values", {}, Reads::list, Message::any_value}};

// The ranks the code below names; each must be where its table has it.
static_assert(kSpan[kTraceId].name == "traceId" && kSpan[kSpanId].name == "spanId" &&
              kSpan[kParentSpanId].name == "parentSpanId" && kSpan[kSpanName].name == "name" &&
              kSpan[kStart].name == "startTimeUnixNano" && kSpan[kEnd].name == "endTimeUnixNano" &&
              kSpan[kSpanAttributes].name == "attributes" && kSpan[kStatus].name == "status");
static_assert(kLink[kTraceId].name == "traceId" && kLink[kSpanId].name == "spanId");
static_assert(kKeyValue[kKey].name == "key" && kKeyValue[kValue].name == "value");
static_assert(kAnyValue[kStringValue].name == "stringValue" && kAnyValue[kBoolValue].name == "boolValue" &&
              kAnyValue[kIntValue].name == "intValue" && kAnyValue[kBytesValue].name == "bytesValue");
static_assert(kResource[0].name == "attributes" && kResourceSpans[0].name == "resource" &&
              kStatusFields[0].name == "code");

constexpr std::span<const Field> fields_of(Message m) {
  switch (m) {
    case Message::request: return kRequest;
    case Message::resource_spans: return kResourceSpans;
    case Message::resource: return kResource;
    case Message::scope_spans: return kScopeSpans;
    case Message::scope: return kScope;
    case Message::span: return kSpan;
    case Message::event: return kEvent;
    case Message::link: return kLink;
    case Message::status: return kStatusFields;
    case Message::key_value: return kKeyValue;
    case Message::any_value: return kAnyValue;
    case Message::array_value: return kArrayValue;
  }
  return {};
}
static_assert(std::size(kSpan) <= 32, "a message's fields are kept in 32-bit masks");

// A JSON value that is not an object or an array.
struct Scalar {
  enum class Type : std::uint8_t { null, boolean, int64, uint64, real, string };
  explicit Scalar(Type t) : type(t) {}
  Type type;
  std::int64_t int64 = 0;
  std::uint64_t uint64 = 0;
  double real = 0;
  bool boolean = false;
  std::string_view text;
};

// The refusal of the value as an integer field, or null with `out` set.
template <typename Int>
const char* read_integer(const Scalar& v, Int& out) {
  switch (v.type) {
    case Scalar::Type::null: out = 0; return nullptr;
    case Scalar::Type::string: return json_mapping::integer_from_text(v.text, out);
    case Scalar::Type::int64: return json_mapping::integer_from_integer(v.int64, out);
    case Scalar::Type::uint64: return json_mapping::integer_from_integer(v.uint64, out);
    case Scalar::Type::real: return json_mapping::integer_from_double(v.real, out);
    case Scalar::Type::boolean: break;
  }
  return json_mapping::kExpectedInteger;
}

// What a value that is an object or an array is told when `reads` wants a scalar (or
// the other kind of container).
const char* container_refusal(Reads reads, bool is_object) {
  switch (reads) {
    case Reads::string:
    case Reads::id16:
    case Reads::id8: return json_mapping::kExpectedString;
    case Reads::uint64:
    case Reads::uint32:
    case Reads::int64:
    case Reads::span_kind:
    case Reads::status_code: return json_mapping::kExpectedInteger;
    case Reads::boolean: return json_mapping::kExpectedBoolean;
    case Reads::number: return json_mapping::kExpectedNumber;
    case Reads::message:
    case Reads::any: return is_object ? nullptr : json_mapping::kExpectedObject;
    case Reads::list: return is_object ? json_mapping::kExpectedArray : nullptr;
    case Reads::anything: return nullptr;
  }
  return nullptr;
}

// An error of a message's field, by the field's rank.
struct FieldError {
  int rank;
  Error error;
};

// An object or array being read: a message, or a list of messages.
struct Frame {
  bool is_list = false;
  Message message = Message::request;  // the message, or a list's items
  NullItems nulls = NullItems::refused;
  // Where it is, for the paths of errors: a member (`name`) or a list's item (`index`).
  bool is_item = false;
  std::string_view name;
  std::size_t index = 0;
  int any_depth = 0;  // how deep in AnyValues (kMaxAnyValueDepth)

  // A message: the fields given so far (a mask by rank) and those given by their
  // lowerCamelCase name, which a snake_case one never overrides; the field whose value
  // comes next (-1: a member the decoder does not read).
  std::uint32_t given = 0;
  std::uint32_t named = 0;
  int field = -1;
  const Field* current = nullptr;  // fields_of(message)[field]
  // Where the next key is looked for first: after the last one found, as encoders write
  // a message's fields in one order.
  std::size_t next_rank = 0;
  // A list: its next item's index.
  std::size_t items = 0;
  // A message: its fields' errors; a list: its first item's error.
  std::vector<FieldError> errors;

  // Where the spans produced under the field that holds them began, to take them back
  // when the field is overridden.
  std::size_t spans_mark = 0;
  std::uint64_t rejected_mark = 0;
  std::size_t first_span = 0;  // the size of the output when this message began

  // What the index needs of a message, by the message's type.
  std::optional<TraceId> trace_id;           // span, link
  std::optional<SpanId> span_id;             // span, link
  bool has_parent = false;                   // span: a valid parent span id
  bool status_error = false;                 // span: status ERROR; status: its code is ERROR
  std::string_view span_name;                // span
  std::uint64_t start = 0, end = 0;          // span
  std::string_view value_text;               // key_value, any_value: the value as text ("" when it is not)
  std::string_view service;                  // resource, resource_spans: the last service.name
  bool key_is_service = false;               // key_value
  int key_slot = -1;                         // key_value: the key's slot among the indexed keys
  std::string_view string_text, bytes_text;  // any_value: stringValue's and bytesValue's text...
  std::int64_t int_value = 0;                // ...intValue's and boolValue's value...
  bool bool_value = false;
  bool wants_text = false;     // ...noted only for a resource's attribute (service.name)...
  bool wants_indexed = false;  // ...or a span's (the indexed keys)
  IndexedValue indexed;        // key_value, any_value: the value as the index notes it

  // The error the decoder would meet first, or null.
  FieldError* first_error() {
    FieldError* first = nullptr;
    for (auto& e : errors) {
      if (first == nullptr || e.rank < first->rank) first = &e;
    }
    return first;
  }
  void forget_errors_of(int rank) {
    std::erase_if(errors, [rank](const FieldError& e) { return e.rank == rank; });
  }
};

class Indexer {
 public:
  // The parser's limits, as the document parser sets them.
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  Indexer(std::string_view body, TraceIndex& out, const IndexedKeys& keys) : body_(body), out_(out), keys_(keys) {
    frames_.reserve(kMaxFrames);  // push() never moves a frame
  }

  // The request's error, once the text has parsed.
  std::optional<Error> verdict() {
    if (!root_was_object_) return Error{json_mapping::kNotARequest};
    return std::move(result_);
  }
  // The storage of text that the body does not hold as it is (strings with escapes).
  std::shared_ptr<std::deque<std::string>> take_storage() { return std::move(storage_); }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
  bool on_number_part(json::string_view, json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) {
    if (skipping_ > 0 || (depth_ > 0 ? !begin_container(true) : !begin_root())) ++skipping_;
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    end_container();
    return true;
  }
  bool on_array_begin(json::error_code&) {
    if (skipping_ > 0 || depth_ == 0 || !begin_container(false)) ++skipping_;
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    end_container();
    return true;
  }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (skipping_ == 0) parts_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (skipping_ == 0) on_member(whole(s));
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (skipping_ == 0) parts_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    if (skipping_ > 0) return true;
    Scalar v(Scalar::Type::string);
    v.text = whole(s);
    return scalar(v);
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    Scalar v(Scalar::Type::int64);
    v.int64 = i;
    return skipping_ > 0 || scalar(v);
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    Scalar v(Scalar::Type::uint64);
    v.uint64 = u;
    return skipping_ > 0 || scalar(v);
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    Scalar v(Scalar::Type::real);
    v.real = d;
    return skipping_ > 0 || scalar(v);
  }
  bool on_bool(bool b, json::error_code&) {
    Scalar v(Scalar::Type::boolean);
    v.boolean = b;
    return skipping_ > 0 || scalar(v);
  }
  bool on_null(json::error_code&) { return skipping_ > 0 || scalar(Scalar(Scalar::Type::null)); }

 private:
  // A string or key given in parts (it had escapes) is gathered. Either way the text
  // is good only until the next token: keep() what is kept.
  std::string_view whole(json::string_view last) {
    if (parts_.empty()) return {last.data(), last.size()};
    parts_.append(last.data(), last.size());
    gathered_.swap(parts_);
    parts_.clear();
    return gathered_;
  }
  // Text the index keeps: a view of the body when it is there as it is, else a copy.
  std::string_view keep(std::string_view text) {
    const auto at = reinterpret_cast<std::uintptr_t>(text.data());
    const auto body = reinterpret_cast<std::uintptr_t>(body_.data());
    if (text.empty() || (at >= body && at + text.size() <= body + body_.size())) return text;
    if (!storage_) storage_ = std::make_shared<std::deque<std::string>>();
    return storage_->emplace_back(text);
  }

  static constexpr std::size_t kMaxFrames = json_mapping::kMaxJsonDepth + 1;  // the parser's limit, and one

  Frame& top() { return frames_[depth_ - 1]; }
  Frame& push() {
    if (frames_.size() <= depth_) frames_.resize(depth_ + 1);
    Frame& f = frames_[depth_++];
    f.given = f.named = 0;
    f.field = -1;
    f.current = nullptr;
    f.next_rank = 0;
    f.items = 0;
    f.errors.clear();
    f.first_span = out_.spans.size();
    return f;
  }

  // The path of frames_[depth - 1] ("" for the request), as JsonPath writes one.
  std::string path_of(std::size_t depth) const {
    std::string path;
    for (std::size_t i = 1; i < depth; ++i) {
      if (frames_[i].is_item) {
        append_item(path, frames_[i].index);
      } else {
        append_member(path, frames_[i].name);
      }
    }
    return path;
  }
  static void append_member(std::string& path, std::string_view name) {
    if (!path.empty()) path.push_back('.');
    path.append(name);
  }
  static void append_item(std::string& path, std::size_t index) {
    path.append("[").append(std::to_string(index)).append("]");
  }
  // An error about the value that comes next in the top frame: the field being read, or
  // the list's item `index`.
  Error error_here(std::string_view what, std::size_t index = 0) const {
    std::string path = path_of(depth_);
    const Frame& f = frames_[depth_ - 1];
    if (f.is_list) {
      append_item(path, index);
    } else {
      append_member(path, f.current->name);
    }
    path.append(": ").append(what);
    return Error{std::move(path)};
  }

  bool begin_root() {
    root_was_object_ = true;
    Frame& f = push();
    f.message = Message::request;
    f.is_list = false;
    f.is_item = false;
    f.name = {};
    return true;
  }

  // A member's key: which field its value is, and whether it counts.
  void on_member(std::string_view key) {
    Frame& f = top();
    f.field = -1;
    f.current = nullptr;
    const auto fields = fields_of(f.message);
    for (std::size_t tried = 0, rank = f.next_rank; tried < fields.size(); ++tried, ++rank) {
      if (rank == fields.size()) rank = 0;
      const Field& field = fields[rank];
      const bool named = key == field.name;
      if (!named && (field.alternate.empty() || key != field.alternate)) continue;
      const std::uint32_t bit = 1u << rank;
      if (!named && (f.named & bit) != 0) return;  // the lowerCamelCase spelling counts
      if ((f.given & bit) != 0) override_field(f, static_cast<int>(rank), field);
      f.given |= bit;
      if (named) f.named |= bit;
      f.field = static_cast<int>(rank);
      f.current = &field;
      f.next_rank = rank + 1 == fields.size() ? 0 : rank + 1;
      if (field.holds_spans) {
        f.spans_mark = out_.spans.size();
        f.rejected_mark = out_.rejected_spans;
      }
      reset_field(f, f.field);
      return;
    }
  }
  // The member given again: what its earlier value said and produced no longer counts.
  void override_field(Frame& f, int rank, const Field& field) {
    f.forget_errors_of(rank);
    if (field.holds_spans) {
      out_.spans.resize(f.spans_mark);
      out_.rejected_spans = f.rejected_mark;
      if (f.rejected_mark == 0) out_.rejection_reason.clear();
    }
  }
  // A field's value as it is before its value is read (absent or null).
  void reset_field(Frame& f, int rank) {
    switch (f.message) {
      case Message::span:
        if (rank == kTraceId) f.trace_id.reset();
        if (rank == kSpanId) f.span_id.reset();
        if (rank == kParentSpanId) f.has_parent = false;
        if (rank == kSpanName) f.span_name = {};
        if (rank == kStart) f.start = 0;
        if (rank == kEnd) f.end = 0;
        if (rank == kSpanAttributes) clear_span_attributes();
        if (rank == kStatus) f.status_error = false;
        break;
      case Message::link:
        if (rank == kTraceId) f.trace_id.reset();
        if (rank == kSpanId) f.span_id.reset();
        break;
      case Message::status:
        if (rank == 0) f.status_error = false;
        break;
      case Message::key_value:
        if (rank == kKey) {
          f.key_is_service = false;
          f.key_slot = -1;
        }
        if (rank == kValue) {
          f.value_text = {};
          f.indexed.set_text({});  // null: the empty string
        }
        break;
      case Message::any_value:
        if (rank == kStringValue) f.string_text = {};
        if (rank == kBoolValue) f.bool_value = false;
        if (rank == kIntValue) f.int_value = 0;
        if (rank == kBytesValue) f.bytes_text = {};
        break;
      case Message::resource:        // attributes
      case Message::resource_spans:  // resource
        if (rank == 0) f.service = {};
        break;
      default: break;
    }
  }

  void clear_span_attributes() {
    for (std::size_t i = 0; i < keys_.size(); ++i) span_attributes_[i].reset();
  }

  // A value that is not an object or an array, in the top frame.
  bool scalar(const Scalar& v) {
    if (depth_ == 0) return true;  // the document is not an object
    Frame& f = top();
    if (f.is_list) {
      const std::size_t index = f.items++;
      if (f.message == Message::any_value) {
        if (too_deep(f)) return fail_item(f, json_mapping::kNestedTooDeeply, index);
        if (v.type == Scalar::Type::null) return true;
      } else if (v.type == Scalar::Type::null && f.nulls == NullItems::skipped) {
        return true;
      }
      return fail_item(f, json_mapping::kExpectedObject, index);
    }
    if (f.current == nullptr) return true;
    const Field& field = *f.current;
    if (const char* refused = read_scalar(f, field, v)) {
      f.errors.push_back({f.field, error_here(refused)});
    }
    return true;
  }
  // A list's item is bad: the list's error, unless an earlier item was.
  bool fail_item(Frame& list, const char* what, std::size_t index) {
    if (list.errors.empty()) list.errors.push_back({0, error_here(what, index)});
    return true;
  }
  bool fail_item(Frame& list, Error error) {
    if (list.errors.empty()) list.errors.push_back({0, std::move(error)});
    return true;
  }
  // An item of this list of AnyValues would be nested past kMaxAnyValueDepth. The
  // parser's nesting limit refuses such a body first (an AnyValue level takes three JSON
  // levels); checked all the same, as the decoder checks it.
  static bool too_deep(const Frame& list) { return list.any_depth + 1 > kMaxAnyValueDepth; }

  // Reads a scalar into field `field` of `f`: null, or the refusal.
  const char* read_scalar(Frame& f, const Field& field, const Scalar& v) {
    using Type = Scalar::Type;
    switch (field.reads) {
      case Reads::string:
        if (v.type == Type::null) return nullptr;
        if (v.type != Type::string) return json_mapping::kExpectedString;
        if (f.message == Message::span) {
          if (f.field == kSpanName) f.span_name = keep(v.text);
        } else if (f.message == Message::key_value) {
          if (f.field == kKey) {
            f.key_is_service = v.text == "service.name";
            f.key_slot = keys_.slot(v.text);
          }
        } else if (f.message == Message::any_value) {
          if (f.field == kStringValue && (f.wants_text || f.wants_indexed)) f.string_text = keep(v.text);
          if (f.field == kBytesValue && f.wants_text) f.bytes_text = keep(v.text);
        }
        return nullptr;
      case Reads::id16: return read_id<16>(f, v);
      case Reads::id8: return read_id<8>(f, v);
      case Reads::uint64: {
        std::uint64_t value = 0;
        const char* refused = read_integer(v, value);
        if (refused == nullptr && f.message == Message::span) {
          if (f.field == kStart) f.start = value;
          if (f.field == kEnd) f.end = value;
        }
        return refused;
      }
      case Reads::uint32: {
        std::uint32_t value = 0;
        return read_integer(v, value);
      }
      case Reads::int64: {
        std::int64_t value = 0;
        const char* refused = read_integer(v, value);
        if (refused == nullptr) f.int_value = value;  // (only AnyValue.intValue is an int64)
        return refused;
      }
      case Reads::span_kind:
      case Reads::status_code: {
        const std::span<const std::string_view> names =
            field.reads == Reads::span_kind ? std::span<const std::string_view>(json_mapping::kSpanKindNames)
                                            : json_mapping::kStatusCodeNames;
        std::uint64_t code = 0;
        const char* refused = nullptr;
        if (const auto named = v.type == Type::string ? json_mapping::enum_value_named(v.text, names) : std::nullopt) {
          code = *named;
        } else {
          refused = read_integer(v, code);
        }
        if (refused == nullptr && field.reads == Reads::status_code) f.status_error = code == 2;
        return refused;
      }
      case Reads::boolean:
        if (v.type != Type::boolean) return json_mapping::kExpectedBoolean;
        f.bool_value = v.boolean;
        return nullptr;
      case Reads::number:
        if (v.type == Type::int64 || v.type == Type::uint64 || v.type == Type::real) return nullptr;
        if (v.type == Type::string && json_mapping::special_double(v.text)) return nullptr;
        return json_mapping::kExpectedNumber;
      case Reads::message:
      case Reads::any:  // a key_value's value: depth 0, never too deep
        return v.type == Type::null ? nullptr : json_mapping::kExpectedObject;
      case Reads::list: return v.type == Type::null ? nullptr : json_mapping::kExpectedArray;
      case Reads::anything: return nullptr;
    }
    return nullptr;
  }
  template <std::size_t N>
  const char* read_id(Frame& f, const Scalar& v) {
    if (v.type == Scalar::Type::null) return nullptr;
    if (v.type != Scalar::Type::string) return json_mapping::kExpectedString;
    if (v.text.empty()) return nullptr;
    const auto id = json_mapping::id_from_hex<N>(v.text);
    if (!id) return json_mapping::bad_id_text<N>();
    if constexpr (N == 16) {
      f.trace_id = *id;
    } else if (f.field == kSpanId) {
      f.span_id = *id;
    } else {
      f.has_parent = id->valid();
    }
    return nullptr;
  }

  // An object (or array, !is_object) in the top frame: false when it is not read.
  bool begin_container(bool is_object) {
    Frame& parent = top();
    if (parent.is_list) {
      const std::size_t index = parent.items++;
      const bool any = parent.message == Message::any_value;
      if (any && too_deep(parent)) {
        fail_item(parent, json_mapping::kNestedTooDeeply, index);
        return false;
      }
      if (!is_object) {
        fail_item(parent, json_mapping::kExpectedObject, index);
        return false;
      }
      const Message item = parent.message;
      const int any_depth = parent.any_depth + (any ? 1 : 0);
      Frame& f = push();
      f.is_list = false;
      f.message = item;
      f.is_item = true;
      f.index = index;
      f.any_depth = any_depth;
      begin_message(f);
      return true;
    }
    if (parent.current == nullptr) return false;
    const Field& field = *parent.current;
    if (const char* refused = container_refusal(field.reads, is_object)) {
      parent.errors.push_back({parent.field, error_here(refused)});
      return false;
    }
    if (field.reads == Reads::anything) return false;
    const int any_depth = parent.any_depth;
    Frame& f = push();
    f.is_list = field.reads == Reads::list;
    f.message = field.reads == Reads::any ? Message::any_value : field.message;
    f.nulls = field.nulls;
    f.is_item = false;
    f.name = field.name;
    f.any_depth = any_depth;
    if (!f.is_list) begin_message(f);
    return true;
  }
  void begin_message(Frame& f) {
    switch (f.message) {
      case Message::span:
        f.start = f.end = 0;
        f.has_parent = false;
        clear_span_attributes();
        [[fallthrough]];
      case Message::link:
        f.trace_id.reset();
        f.span_id.reset();
        break;
      case Message::any_value:
        // (Assigned one by one: a chained assignment reads the first back as 16 bytes
        // just after writing it as two 8-byte halves, which stalls the store buffer.)
        f.string_text = {};
        f.bytes_text = {};
        f.int_value = 0;
        f.bool_value = false;
        break;
      case Message::key_value:
        f.key_is_service = false;
        f.key_slot = -1;
        f.indexed.set_text({});  // no value: the empty string
        break;
      default: break;
    }
    f.status_error = false;
    f.span_name = {};
    f.value_text = {};
    f.service = {};
    // Only a resource's attribute values are wanted as text (the service name), and a
    // span's as the index notes them: an AnyValue directly in a key_value in the
    // resource's or the span's attributes.
    const bool attribute_value = f.message == Message::any_value && depth_ >= 4 && !frames_[depth_ - 2].is_list &&
                                 frames_[depth_ - 2].message == Message::key_value && !frames_[depth_ - 4].is_list;
    f.wants_text = attribute_value && frames_[depth_ - 4].message == Message::resource;
    f.wants_indexed = attribute_value && frames_[depth_ - 4].message == Message::span;
  }

  void end_container() {
    if (skipping_ > 0) {
      --skipping_;
      return;
    }
    Frame& f = top();
    std::optional<Error> error;
    if (f.is_list) {
      if (!f.errors.empty()) error = std::move(f.errors.front().error);
    } else {
      error = end_message(f);
    }
    --depth_;
    if (depth_ == 0) {
      result_ = std::move(error);
      return;
    }
    Frame& parent = top();
    if (parent.is_list) {
      if (error) fail_item(parent, std::move(*error));
      return;
    }
    if (error) {
      parent.errors.push_back({parent.field, std::move(*error)});
      return;
    }
    // What the parent message keeps of a child message it read.
    if (!f.is_list) {
      if (parent.message == Message::span && f.message == Message::status) parent.status_error = f.status_error;
      if (parent.message == Message::key_value) {
        parent.value_text = f.value_text;
        parent.indexed = f.indexed;
      }
      if (parent.message == Message::resource_spans && f.message == Message::resource) parent.service = f.service;
    }
  }

  // A message's verdict, and what it produces when it is good.
  std::optional<Error> end_message(Frame& f) {
    FieldError* error = nullptr;
    if (f.message == Message::any_value) {
      // The first member of the oneof present is the value; the others are not read.
      if (f.given != 0) {
        const int winner = std::countr_zero(f.given);
        for (auto& e : f.errors) {
          if (e.rank == winner) error = &e;
        }
        f.value_text = winner == kStringValue  ? f.string_text
                       : winner == kBytesValue ? f.bytes_text
                                               : std::string_view();
        if (f.wants_indexed) {
          if (winner == kStringValue) {
            f.indexed.set_text(f.string_text);
          } else if (winner == kBoolValue) {
            f.indexed.set_bool(f.bool_value);
          } else if (winner == kIntValue) {
            f.indexed.set_int(f.int_value);
          } else {
            f.indexed.reset();  // double, array, kvlist, bytes: not indexed
          }
        }
      } else {
        f.indexed.set_text({});  // an empty AnyValue: the empty string
      }
    } else {
      error = f.first_error();
    }
    // A link's ids are checked for presence after they are read, before its other fields.
    if (f.message == Message::link && (error == nullptr || error->rank > kSpanId) && (!f.trace_id || !f.span_id)) {
      return Error{path_of(depth_) + ": " + json_mapping::kLinkNeedsIds};
    }
    if (error != nullptr) return std::move(error->error);

    switch (f.message) {
      case Message::span:
        if (const char* unusable = json_mapping::id_rejection(f.trace_id, f.span_id)) {
          if (out_.rejected_spans++ == 0) out_.rejection_reason = path_of(depth_) + ": " + unusable;
        } else {
          SpanSummary& s = out_.spans.emplace_back();
          s.trace_id = *f.trace_id;
          s.span_id = *f.span_id;
          s.has_parent = f.has_parent;
          s.name = f.span_name;
          s.start_unix_nano = f.start;
          s.end_unix_nano = f.end;
          s.error = f.status_error;
          std::copy_n(span_attributes_.begin(), keys_.size(), s.attributes.begin());
        }
        break;
      case Message::key_value:
        // The resource's service.name and the span's indexed attributes: the last of
        // each key, as Attributes::set keeps.
        if (depth_ >= 3 && !frames_[depth_ - 3].is_list) {
          Frame& owner = frames_[depth_ - 3];
          if (f.key_is_service && owner.message == Message::resource) owner.service = f.value_text;
          if (f.key_slot >= 0 && owner.message == Message::span) {
            span_attributes_[static_cast<std::size_t>(f.key_slot)] = f.indexed;
          }
        }
        break;
      case Message::resource_spans:
        for (std::size_t i = f.first_span; i < out_.spans.size(); ++i) out_.spans[i].service = f.service;
        break;
      default: break;
    }
    return std::nullopt;
  }

  std::string_view body_;
  TraceIndex& out_;
  const IndexedKeys& keys_;
  std::vector<Frame> frames_;
  std::size_t depth_ = 0;     // frames in use
  std::size_t skipping_ = 0;  // depth inside an object or array that is not read
  bool root_was_object_ = false;
  std::optional<Error> result_;
  std::string parts_, gathered_;
  std::shared_ptr<std::deque<std::string>> storage_;
  // The indexed attributes of the span being read (spans do not nest).
  std::array<IndexedValue, kMaxIndexedSpanAttributes> span_attributes_;
};

}  // namespace

Result<TraceIndex> index_traces_json(std::string_view body, std::shared_ptr<const void>& document,
                                     const IndexedKeys& keys) {
  TraceIndex out;
  json::parse_options options;
  options.max_depth = json_mapping::kMaxJsonDepth;
  json::basic_parser<Indexer> parser(options, body, out, keys);
  json::error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec && used < body.size()) ec = json::error::extra_data;
  if (ec) return Error{std::string(json_mapping::kInvalidJson) + ec.message()};
  if (auto error = parser.handler().verdict()) return std::move(*error);
  document = parser.handler().take_storage();
  return out;
}

}  // namespace tracechat::otlp
