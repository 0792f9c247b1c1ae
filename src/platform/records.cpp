#include "tracechat/platform/records.h"

#include <boost/json.hpp>

#include "common/json_reader.h"

namespace tracechat::platform {
namespace json = boost::json;
using common::ObjectReader;

namespace {

// The API's answers are shallow; anything nested deeper than this is not one of them.
constexpr int kMaxDepth = 32;

Result<common::ParsedObject> parse(std::string_view text, std::string_view what) {
  auto parsed = common::parse_object(text, kMaxDepth, what);
  if (!parsed) return Error{std::string(what) + ": " + parsed.error().message};
  return std::move(*parsed);
}

// Calls read(item reader) for each object of the array `key` (absent: none).
template <typename Read>
Result<void> for_each_object(const ObjectReader& r, std::string_view key, Read&& read) {
  TRACECHAT_TRY(const json::array* items, r.optional_array(key));
  if (items == nullptr) return {};
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string path = r.path_of(key) + "[" + std::to_string(i) + "]";
    if (!(*items)[i].is_object()) return Error{path + ": expected object"};
    TRACECHAT_CHECK(read(ObjectReader((*items)[i].get_object(), path)));
  }
  return {};
}

// Participant data is string to string on the platform; a value of another type (seen in
// hand-made payloads) is kept as its JSON text rather than failing the whole answer.
Result<ParticipantAttributes> read_attributes(const ObjectReader& r) {
  TRACECHAT_TRY(const json::object* attributes, r.optional_object("attributes"));
  ParticipantAttributes out;
  if (attributes == nullptr) return out;
  for (const auto& [key, value] : *attributes) {
    out.emplace(std::string(key), value.is_string() ? std::string(value.get_string()) : json::serialize(value));
  }
  return out;
}

// An optional string member into `out`: empty when absent or null.
Result<void> read_text(const ObjectReader& r, std::string_view key, std::string& out) {
  TRACECHAT_TRY(auto value, r.optional_string(key));
  out = value ? std::move(*value) : std::string();
  return {};
}

// The participants of both answers: the same fields, under the names each one uses.
template <typename Participant>
Result<void> read_participants(const ObjectReader& r, std::string_view id_key, std::string Participant::*id,
                               std::string_view name_key, std::string Participant::*name,
                               std::vector<Participant>& out) {
  return for_each_object(r, "participants", [&](const ObjectReader& p) -> Result<void> {
    Participant participant;
    TRACECHAT_CHECK(read_text(p, id_key, participant.*id));
    TRACECHAT_CHECK(read_text(p, name_key, participant.*name));
    TRACECHAT_CHECK(read_text(p, "purpose", participant.purpose));
    TRACECHAT_TRY(participant.attributes, read_attributes(p));
    out.push_back(std::move(participant));
    return {};
  });
}

Result<ConversationDetails> read_details(const ObjectReader& r) {
  ConversationDetails c;
  TRACECHAT_TRY(c.conversation_id, r.required_string("conversationId"));
  TRACECHAT_CHECK(read_text(r, "conversationStart", c.conversation_start));
  TRACECHAT_CHECK(read_text(r, "conversationEnd", c.conversation_end));
  TRACECHAT_CHECK(read_participants(r, "participantId", &DetailsParticipant::participant_id, "participantName",
                                    &DetailsParticipant::participant_name, c.participants));
  return c;
}

Result<std::vector<ConversationDetails>> read_details_list(const ObjectReader& r) {
  std::vector<ConversationDetails> out;
  TRACECHAT_CHECK(for_each_object(r, "conversations", [&](const ObjectReader& c) -> Result<void> {
    TRACECHAT_TRY(auto details, read_details(c));
    out.push_back(std::move(details));
    return {};
  }));
  return out;
}

template <typename Participants>
std::optional<std::string> attribute_of(const Participants& participants, std::string_view key) {
  // The customer's data first: that is where a guest's client writes it.
  for (const bool customer : {true, false}) {
    for (const auto& p : participants) {
      if ((p.purpose == "customer") != customer) continue;
      if (auto it = p.attributes.find(std::string(key)); it != p.attributes.end()) return it->second;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Conversation> read_conversation(std::string_view text) {
  TRACECHAT_TRY(const auto parsed, parse(text, "conversation"));
  const ObjectReader r(parsed.object(), "");
  Conversation c;
  TRACECHAT_TRY(c.id, r.required_string("id"));
  TRACECHAT_CHECK(read_text(r, "startTime", c.start_time));
  TRACECHAT_CHECK(read_text(r, "endTime", c.end_time));
  TRACECHAT_CHECK(
      read_participants(r, "id", &ConversationParticipant::id, "name", &ConversationParticipant::name, c.participants));
  return c;
}

Result<MessageDetails> read_message_details(std::string_view text) {
  TRACECHAT_TRY(const auto parsed, parse(text, "message details"));
  const ObjectReader r(parsed.object(), "");
  MessageDetails m;
  TRACECHAT_TRY(m.id, r.required_string("id"));
  TRACECHAT_TRY(m.conversation_id, r.required_string("conversationId"));
  TRACECHAT_CHECK(read_text(r, "direction", m.direction));
  TRACECHAT_CHECK(read_text(r, "timestamp", m.timestamp));
  return m;
}

Result<DetailsQueryPage> read_details_query_page(std::string_view text) {
  TRACECHAT_TRY(const auto parsed, parse(text, "details query answer"));
  const ObjectReader r(parsed.object(), "");
  DetailsQueryPage page;
  TRACECHAT_TRY(const auto total, r.optional_int("totalHits"));
  page.total_hits = total.value_or(0);
  TRACECHAT_TRY(page.conversations, read_details_list(r));
  return page;
}

Result<DetailsJobStatus> read_details_job_status(std::string_view text) {
  TRACECHAT_TRY(const auto parsed, parse(text, "details job status"));
  const ObjectReader r(parsed.object(), "");
  DetailsJobStatus s;
  TRACECHAT_TRY(s.state, r.required_string("state"));
  TRACECHAT_CHECK(read_text(r, "errorMessage", s.error_message));
  TRACECHAT_CHECK(read_text(r, "submissionDate", s.submission_date));
  TRACECHAT_CHECK(read_text(r, "completionDate", s.completion_date));
  TRACECHAT_CHECK(read_text(r, "expirationDate", s.expiration_date));
  return s;
}

Result<DetailsJobPage> read_details_job_page(std::string_view text) {
  TRACECHAT_TRY(const auto parsed, parse(text, "details job results"));
  const ObjectReader r(parsed.object(), "");
  DetailsJobPage page;
  TRACECHAT_TRY(page.conversations, read_details_list(r));
  TRACECHAT_TRY(page.cursor, r.optional_string("cursor"));
  if (page.cursor && page.cursor->empty()) page.cursor.reset();
  TRACECHAT_CHECK(read_text(r, "dataAvailabilityDate", page.data_availability_date));
  return page;
}

Result<std::string> read_job_id(std::string_view text) {
  TRACECHAT_TRY(const auto parsed, parse(text, "details job submission answer"));
  return ObjectReader(parsed.object(), "").required_string("jobId");
}

Result<std::string> read_data_availability_date(std::string_view text) {
  TRACECHAT_TRY(const auto parsed, parse(text, "data availability answer"));
  return ObjectReader(parsed.object(), "").required_string("dataAvailabilityDate");
}

std::optional<std::string> find_attribute(const Conversation& c, std::string_view key) {
  return attribute_of(c.participants, key);
}
std::optional<std::string> find_attribute(const ConversationDetails& c, std::string_view key) {
  return attribute_of(c.participants, key);
}

}  // namespace tracechat::platform
