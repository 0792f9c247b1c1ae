// The Platform API's answers that finding a conversation needs, as plain structs, and
// the readers that build them from the API's JSON. A reader takes only the fields it
// knows and names the path of a field of the wrong type; unknown fields are ignored,
// since the platform adds fields over time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::platform {

using ParticipantAttributes = std::map<std::string, std::string>;

// GET /api/v2/conversations/{id}
struct ConversationParticipant {
  std::string id;
  std::string name;
  std::string purpose;  // customer, agent, acd, workflow, ...
  ParticipantAttributes attributes;
};
struct Conversation {
  std::string id;
  std::string start_time;
  std::string end_time;  // empty while it lasts
  std::vector<ConversationParticipant> participants;
};

// GET /api/v2/conversations/messages/{messageId}/details
struct MessageDetails {
  std::string id;
  std::string conversation_id;
  std::string direction;  // inbound (from the guest) | outbound
  std::string timestamp;
};

// One record of the analytics conversation details (the synchronous query's and the
// jobs' results). Only jobs fill `attributes`; the query's records have none.
struct DetailsParticipant {
  std::string participant_id;
  std::string participant_name;
  std::string purpose;
  ParticipantAttributes attributes;
};
struct ConversationDetails {
  std::string conversation_id;
  std::string conversation_start;
  std::string conversation_end;
  std::vector<DetailsParticipant> participants;
};

// POST /api/v2/analytics/conversations/details/query
struct DetailsQueryPage {
  std::int64_t total_hits = 0;
  std::vector<ConversationDetails> conversations;  // the key is absent from an empty answer
};

// GET …/details/jobs/{jobId}
struct DetailsJobStatus {
  std::string state;  // QUEUED, PENDING, FULFILLED, FAILED, CANCELLED, EXPIRED
  std::string error_message;
  std::string submission_date, completion_date, expiration_date;
  bool finished() const { return state != "QUEUED" && state != "PENDING"; }
};

// GET …/details/jobs/{jobId}/results
struct DetailsJobPage {
  std::vector<ConversationDetails> conversations;
  std::optional<std::string> cursor;  // absent on the last page
  std::string data_availability_date;
};

// Readers of the answers' JSON text; errors name the bad field.
Result<Conversation> read_conversation(std::string_view json_text);
Result<MessageDetails> read_message_details(std::string_view json_text);
Result<DetailsQueryPage> read_details_query_page(std::string_view json_text);
Result<DetailsJobStatus> read_details_job_status(std::string_view json_text);
Result<DetailsJobPage> read_details_job_page(std::string_view json_text);
// POST …/details/jobs → {"jobId"}; GET …/details/jobs/availability → {"dataAvailabilityDate"}.
Result<std::string> read_job_id(std::string_view json_text);
Result<std::string> read_data_availability_date(std::string_view json_text);

// The value of `key` on the first participant that has it (customer first), if any.
std::optional<std::string> find_attribute(const Conversation& c, std::string_view key);
std::optional<std::string> find_attribute(const ConversationDetails& c, std::string_view key);

}  // namespace tracechat::platform
