// Decodes a binary OTLP ExportTraceServiceRequest with the protobuf definitions that
// @opentelemetry/otlp-transformer 0.57 ships (protobufjs code generated from
// opentelemetry-proto; later releases replaced them with hand-written serializers)
// and prints it as JSON with hex ids and 64-bit integers as strings.
'use strict';
const fs = require('fs');
const root = require('otlp-proto-definitions/build/src/generated/root.js');

const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const bytes = fs.readFileSync(process.argv[2]);
const message = Request.decode(bytes);
const object = Request.toObject(message, { longs: String, enums: Number, bytes: Array, defaults: false });
const hex = (value) => Buffer.from(value).toString('hex');
for (const rs of object.resourceSpans || []) {
  for (const ss of rs.scopeSpans || []) {
    for (const span of ss.spans || []) {
      span.traceId = hex(span.traceId);
      span.spanId = hex(span.spanId);
      if (span.parentSpanId) span.parentSpanId = hex(span.parentSpanId);
      for (const link of span.links || []) {
        link.traceId = hex(link.traceId);
        link.spanId = hex(link.spanId);
      }
    }
  }
}
process.stdout.write(JSON.stringify(object));
