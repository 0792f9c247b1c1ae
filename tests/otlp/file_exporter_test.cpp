#include "tracechat/otlp/file_exporter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "tracechat/trace/batch_span_processor.h"
#include "tracechat/trace/tracer.h"

using namespace tracechat;
namespace fs = std::filesystem;

namespace {
fs::path temp_path(const char* name) {
  return fs::temp_directory_path() / (std::string("tracechat-") + std::to_string(getpid()) + "-" + name);
}
std::vector<std::string> lines_of(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}
}  // namespace

TEST(FileExporter, WritesOneExportRequestPerBatchLine) {
  const auto path = temp_path("spans.jsonl");
  fs::remove(path);
  {
    trace::BatchSpanProcessorOptions o;
    o.max_queue_size = 100;
    o.max_export_batch_size = 4;
    o.schedule_delay = std::chrono::hours(1);
    trace::TracerProviderOptions po;
    po.sampler = trace::always_on_sampler();
    po.processor = std::make_shared<trace::BatchSpanProcessor>(std::make_unique<otlp::FileSpanExporter>(path), o);
    trace::TracerProvider provider(std::move(po));
    auto tracer = provider.tracer("file-test");
    trace::Span root = tracer.start_span("root");
    for (int i = 0; i < 5; ++i) tracer.start_child("child", root.context()).end();
    root.end();
  }  // provider shutdown flushes
  const auto lines = lines_of(path);
  ASSERT_GE(lines.size(), 2u);  // 6 spans in batches of at most 4
  std::size_t spans = 0;
  std::string trace_id;
  for (const auto& line : lines) {
    const auto doc = boost::json::parse(line);
    for (const auto& rs : doc.at("resourceSpans").as_array()) {
      for (const auto& ss : rs.at("scopeSpans").as_array()) {
        for (const auto& s : ss.at("spans").as_array()) {
          ++spans;
          if (trace_id.empty()) trace_id = s.at("traceId").as_string().c_str();
          EXPECT_EQ(s.at("traceId").as_string(), trace_id);
        }
      }
    }
  }
  EXPECT_EQ(spans, 6u);
  fs::remove(path);
}

TEST(FileExporter, AppendsToAnExistingFile) {
  const auto path = temp_path("append.jsonl");
  { std::ofstream(path) << "{\"existing\":true}\n"; }
  otlp::FileSpanExporter exporter(path);
  std::vector<std::unique_ptr<trace::SpanData>> batch;
  batch.push_back(std::make_unique<trace::SpanData>());
  EXPECT_EQ(exporter.export_spans(batch, std::chrono::seconds(1)), trace::ExportResult::success);
  EXPECT_TRUE(exporter.shutdown(std::chrono::seconds(1)));
  EXPECT_EQ(exporter.export_spans(batch, std::chrono::seconds(1)), trace::ExportResult::failure);
  EXPECT_EQ(lines_of(path).size(), 2u);
  fs::remove(path);
}

TEST(FileExporter, UnopenablePathIsAClearError) {
  try {
    otlp::FileSpanExporter exporter("/nonexistent-dir/spans.jsonl");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/spans.jsonl"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos);
  }
}
