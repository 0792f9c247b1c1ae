// The asynchronous conversation details jobs of the Analytics API, under
// /api/v2/analytics/conversations/details/jobs: submit (202 {"jobId"}), status, results
// by cursor, cancel (DELETE, 204), and the data availability date. Unlike the
// synchronous query, a job's records carry the participants' attributes; whether its
// property predicates match them the reference does not say, so by default they do not
// (analytics.jobPropertyPredicatesMatch).
#pragma once

#include <optional>

#include "analytics_jobs.h"
#include "platform.h"
#include "tracechat/emulator/config.h"
#include "tracechat/net/http.h"

namespace tracechat::emulator {

inline constexpr std::string_view kDetailsJobsPath = "/api/v2/analytics/conversations/details/jobs";

// Results pages: the platform does not document its default or maximum page size; these
// are ours.
inline constexpr std::size_t kDefaultJobPageSize = 1000;
inline constexpr std::size_t kMaxJobPageSize = 1000;

class AnalyticsJobsApi {
 public:
  AnalyticsJobsApi(Platform& platform, const AnalyticsConfig& config);

  // A request under kDetailsJobsPath; nullopt for any other path.
  std::optional<net::HttpResponse> handle(const net::HttpRequest& request);

 private:
  net::HttpResponse submit(const net::HttpRequest& request);
  net::HttpResponse status(const std::string& id);
  net::HttpResponse results(const std::string& id, const net::HttpRequest& request);

  Platform& platform_;
  AnalyticsJobs jobs_;
  bool property_predicates_match_;
};

}  // namespace tracechat::emulator
