// PlatformClient: the Platform API calls that go from a trace to its conversation and
// back, on a real Genesys Cloud org or on the emulator. Each call gets a bearer token
// from the TokenSource; a 401 fetches a new token once and tries again (then it is an
// authentication error); 429s and 5xx are retried as RetryPolicy says. Errors name the
// endpoint and never hold the secret or the token. Calls are synchronous; one client
// serves one thread at a time (its connection is not shared).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/net/tls.h"
#include "tracechat/platform/platform_error.h"
#include "tracechat/platform/records.h"
#include "tracechat/platform/retry_policy.h"
#include "tracechat/platform/settings.h"
#include "tracechat/result.h"

namespace tracechat::platform {

// One predicate of an analytics filter: a dimension (conversationId, mediaType, purpose,
// …) or a property, matched against `value`.
struct DetailsPredicate {
  std::string type = "dimension";  // dimension | property
  std::string name;                // the dimension, or the property
  std::string value;
};
struct DetailsFilter {
  std::string type = "and";  // and | or
  std::vector<DetailsPredicate> predicates;
};

// The body of the synchronous query (with paging) and of a details job (with a limit).
struct DetailsQuery {
  std::string interval;  // "start/end", ISO-8601 UTC (format_interval)
  std::vector<DetailsFilter> conversation_filters;
  std::vector<DetailsFilter> segment_filters;
  int page_size = 25;        // the query: 1..100
  int page_number = 1;       // the query: from 1
  std::optional<int> limit;  // a job: how many conversations at most
};

struct PlatformClientOptions {
  net::TlsOptions tls;  // verification on unless turned off here
  RetryPolicy retry;
};

struct PlatformClientStats {
  std::uint64_t requests = 0;           // API calls made (retries included in the sender's log)
  std::uint64_t token_fetches = 0;      // logins
  std::uint64_t reauthentications = 0;  // 401s answered with a new token
};

class PlatformClient {
 public:
  explicit PlatformClient(PlatformSettings settings, PlatformClientOptions options = {});
  ~PlatformClient();
  PlatformClient(const PlatformClient&) = delete;
  PlatformClient& operator=(const PlatformClient&) = delete;

  const PlatformHosts& hosts() const;

  // GET /api/v2/conversations/{id}: participants with their attributes.
  Result<Conversation, PlatformError> get_conversation(std::string_view conversation_id);
  // GET /api/v2/conversations/messages/{messageId}/details: the message's conversation.
  Result<MessageDetails, PlatformError> get_message_details(std::string_view message_id);
  // POST /api/v2/analytics/conversations/details/query: one page. Its records carry no
  // participant attributes (the platform's rule).
  Result<DetailsQueryPage, PlatformError> query_details(const DetailsQuery& query);

  // Details jobs (POST/GET/DELETE /api/v2/analytics/conversations/details/jobs…).
  Result<std::string, PlatformError> submit_details_job(const DetailsQuery& query);  // the job id
  Result<DetailsJobStatus, PlatformError> get_details_job(std::string_view job_id);
  Result<DetailsJobPage, PlatformError> get_details_job_results(std::string_view job_id,
                                                                const std::optional<std::string>& cursor,
                                                                int page_size);
  std::optional<PlatformError> cancel_details_job(std::string_view job_id);
  // The instant up to which jobs see data (RFC 3339).
  Result<std::string, PlatformError> get_details_job_availability();

  // Any API call: the body of a 2xx answer. `path` is a path under the API host, with
  // any query already encoded.
  Result<std::string, PlatformError> call(std::string_view method, std::string path, std::string body = {});

  PlatformClientStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "2026-11-28T10:00:00.000Z/2026-11-29T10:00:00.000Z" from milliseconds since the epoch.
std::string format_interval(std::int64_t from_ms, std::int64_t to_ms);

}  // namespace tracechat::platform
