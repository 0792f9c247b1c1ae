// Exports a small trace with the OpenTelemetry JS SDK to an OTLP/HTTP endpoint, in
// protobuf or JSON: `node js_sdk_export.mjs <base-url> proto|json`. Prints the trace
// id it used.
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';

const [base, encoding] = process.argv.slice(2);
const Exporter = encoding === 'json' ? JsonExporter : ProtoExporter;
const exporter = new Exporter({ url: `${base}/v1/traces` });
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': `js-sdk-${encoding}` }),
  spanProcessors: [new BatchSpanProcessor(exporter)],
});
const tracer = provider.getTracer('interop-test', '1.0.0');

const root = tracer.startSpan('js.root', { kind: 1 /* SERVER */, attributes: { 'http.request.method': 'POST', retries: 3, ok: true, ratio: 0.5, tags: ['a', 'b'] } });
const parentContext = { ...root.spanContext() };
const api = await import('@opentelemetry/api');
const ctx = api.trace.setSpanContext(api.context.active(), parentContext);
const child = tracer.startSpan('js.child', { kind: 2 /* CLIENT */, links: [{ context: parentContext, attributes: { why: 'test' } }] }, ctx);
child.addEvent('js.event', { seq: 7 });
child.setStatus({ code: api.SpanStatusCode.ERROR, message: 'js failure' });
child.end();
root.end();
await provider.forceFlush();
await provider.shutdown();
process.stdout.write(JSON.stringify({ traceId: parentContext.traceId, rootSpanId: parentContext.spanId }));
