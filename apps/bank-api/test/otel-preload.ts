// Loaded with `node --import` before src/main.ts in test/observability.test.ts: a global
// OpenTelemetry tracer provider, as an SDK would register, that writes each span's name and
// attributes to stdout as one JSON line (`{"span":…}`) when the span ends.
import { type Attributes, trace } from '@opentelemetry/api'

const span = (name: string, attributes: Attributes = {}) => ({
  setStatus: () => undefined,
  end: () => process.stdout.write(`${JSON.stringify({ span: name, attributes })}\n`),
})
trace.setGlobalTracerProvider({
  getTracer: () =>
    ({
      startSpan: (name: string, options?: { attributes?: Attributes }) =>
        span(name, options?.attributes),
    }) as never,
})
