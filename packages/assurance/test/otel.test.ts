import { createRequire } from 'node:module'
import type * as Api from '@opentelemetry/api'
import type { Meter, Tracer } from '@opentelemetry/api'
import type * as AsyncHooks from '@opentelemetry/context-async-hooks'
import type * as Metrics from '@opentelemetry/sdk-metrics'
import type { DataPoint, ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type * as Traces from '@opentelemetry/sdk-trace-base'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parseAccessTokenClaims } from '../src/claims.ts'
import { AccessTokenError } from '../src/errors.ts'
import { createStepUpGuard, type HttpRequestView, type StepUpEvent } from '../src/http.ts'
import { classifyDecision, createOpenTelemetryDecisionHook } from '../src/otel.ts'

type OpenTelemetryDecisionHookOptions = Parameters<typeof createOpenTelemetryDecisionHook>[0]

// The workspace's vitest runs Node with the `module` condition, which resolves
// `@opentelemetry/api` to its `build/esm` files: those import without file extensions, so Node
// cannot load them. Load its CommonJS build, and have every `require('@opentelemetry/api')` (the
// SDK's) find that one in the module cache under the path the condition resolves to.
const require = createRequire(import.meta.url)
const apiPath = require.resolve('@opentelemetry/api')
const commonJsPath = apiPath.replace(/([\\/])build\1esm\1/, '$1build$1src$1')
const { context, trace } = require(commonJsPath) as typeof Api
require.cache[apiPath] = require.cache[commonJsPath]
const { AsyncLocalStorageContextManager } =
  require('@opentelemetry/context-async-hooks') as typeof AsyncHooks
const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics') as typeof Metrics
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } =
  require('@opentelemetry/sdk-trace-base') as typeof Traces

const NOW = 1_700_000_000
const SUB = 'alice-7f3c'
const TOKENS = ['tok-strong-91d2', 'tok-weak-55ab', 'tok-noscope-0c1e']

const claimsFor = (token: string) => {
  const base = { iss: 'https://as.example.com', sub: SUB, jti: `jti-${token}`, auth_time: NOW - 5 }
  if (token === 'tok-strong-91d2')
    return parseAccessTokenClaims({ ...base, acr: 'phrh', scope: 'transfers' })
  if (token === 'tok-weak-55ab')
    return parseAccessTokenClaims({ ...base, acr: 'urn:bank:pwd', scope: 'transfers' })
  if (token === 'tok-noscope-0c1e') return parseAccessTokenClaims({ ...base, acr: 'phrh' })
  if (token === 'tok-outage')
    throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'JWK Set unreachable')
  throw new Error('unknown token')
}

const view = (token?: string, path = '/transfers'): HttpRequestView => ({
  method: 'POST',
  url: path,
  headers: token ? { authorization: `Bearer ${token}` } : {},
  body: () => undefined,
})

/** A metric reader the test pulls from. */
class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const contextManager = new AsyncLocalStorageContextManager()
const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spans)],
})
let reader: PullReader
let meter: Meter
const tracer: Tracer = tracerProvider.getTracer('test')

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
})
afterAll(() => {
  context.disable()
})
beforeEach(() => {
  spans.reset()
  reader = new PullReader()
  meter = new MeterProvider({ readers: [reader] }).getMeter('test')
})

function guardWith(options: Omit<OpenTelemetryDecisionHookOptions, 'tracer' | 'meter'> = {}) {
  const events: StepUpEvent[] = []
  const guard = createStepUpGuard<null>({
    verify: async (token) => claimsFor(token),
    requirement: (req) =>
      (req as unknown) === 'broken'
        ? Promise.reject(new RangeError('rule bug'))
        : { acr_values: ['phrh'], max_age: 300, scope: ['transfers'] },
    now: () => NOW,
    onDecision: createOpenTelemetryDecisionHook({
      tracer,
      meter,
      ...options,
      onDecision: (e) => {
        events.push(e)
        options.onDecision?.(e)
      },
    }),
  })
  return { guard, events }
}

const attributesOf = (span: ReadableSpan | undefined) => ({ ...span?.attributes })

async function points(): Promise<{ attributes: Record<string, unknown>; value: number }[]> {
  const { resourceMetrics }: { resourceMetrics: ResourceMetrics } = await reader.collect()
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'stepup.decisions')
  expect(metric?.descriptor).toMatchObject({ unit: '{decision}', type: 'COUNTER' })
  return ((metric?.dataPoints ?? []) as DataPoint<number>[]).map((p) => ({
    attributes: { ...p.attributes },
    value: p.value,
  }))
}

describe('createOpenTelemetryDecisionHook: one span per decision', () => {
  it('allowed: the acr asked and held, no status (the route answers), no subject', async () => {
    const { guard } = guardWith()
    expect((await guard(view('tok-strong-91d2'), null)).ok).toBe(true)
    const [span] = spans.getFinishedSpans()
    expect(span?.name).toBe('stepup.decision')
    expect(attributesOf(span)).toEqual({
      'stepup.outcome': 'allowed',
      'stepup.acr_values': ['phrh'],
      'stepup.acr': 'phrh',
    })
    expect(span?.status.code).toBe(0)
  })

  it('challenged: 401 insufficient_user_authentication with the reason codes (RFC 9470 §3)', async () => {
    const { guard } = guardWith()
    const outcome = await guard(view('tok-weak-55ab'), null)
    expect(outcome).toMatchObject({ ok: false, status: 401 })
    expect(attributesOf(spans.getFinishedSpans()[0])).toEqual({
      'stepup.outcome': 'challenged',
      'http.response.status_code': 401,
      'stepup.error': 'insufficient_user_authentication',
      'stepup.reasons': ['acr_not_satisfied'],
      'stepup.acr_values': ['phrh'],
      'stepup.acr': 'urn:bank:pwd',
    })
  })

  it('challenged: 401 without an error code when there are no credentials (RFC 6750 §3.1)', async () => {
    const { guard } = guardWith()
    await guard(view(), null)
    expect(attributesOf(spans.getFinishedSpans()[0])).toEqual({
      'stepup.outcome': 'challenged',
      'http.response.status_code': 401,
    })
  })

  it('refused: 403 insufficient_scope and 401 invalid_token', async () => {
    const { guard } = guardWith()
    await guard(view('tok-noscope-0c1e'), null)
    await guard(view('tok-forged'), null)
    const [scope, invalid] = spans.getFinishedSpans().map(attributesOf)
    expect(scope).toMatchObject({
      'stepup.outcome': 'refused',
      'http.response.status_code': 403,
      'stepup.error': 'insufficient_scope',
      'stepup.reasons': ['scope_missing'],
    })
    expect(invalid).toEqual({
      'stepup.outcome': 'refused',
      'http.response.status_code': 401,
      'stepup.error': 'invalid_token',
    })
  })

  it('unavailable: 503 with error.type from the cause and an error status', async () => {
    const { guard } = guardWith()
    await guard(view('tok-outage'), null)
    await guard(view('tok-strong-91d2'), 'broken' as unknown as null)
    const [verifier, rule] = spans.getFinishedSpans()
    expect(attributesOf(verifier)).toEqual({
      'stepup.outcome': 'unavailable',
      'http.response.status_code': 503,
      'stepup.error': 'temporarily_unavailable',
      'error.type': 'ERR_VERIFIER_UNAVAILABLE',
    })
    expect(verifier?.status).toEqual({ code: 2, message: 'ERR_VERIFIER_UNAVAILABLE' })
    expect(attributesOf(rule)).toMatchObject({ 'error.type': 'RangeError' })
  })

  it('records the subject as enduser.id only with recordSubject: true', async () => {
    await guardWith({ recordSubject: true }).guard(view('tok-weak-55ab'), null)
    expect(attributesOf(spans.getFinishedSpans()[0])['enduser.id']).toBe(SUB)
    spans.reset()
    await guardWith({ recordSubject: false }).guard(view('tok-weak-55ab'), null)
    expect(attributesOf(spans.getFinishedSpans()[0])).not.toHaveProperty('enduser.id')
  })

  it('is a child of the span active when the guard decides (the request span)', async () => {
    const { guard } = guardWith()
    await tracer.startActiveSpan('POST /transfers', async (request) => {
      await guard(view('tok-weak-55ab'), null)
      request.end()
    })
    const finished = spans.getFinishedSpans()
    const decision = finished.find((s) => s.name === 'stepup.decision')
    const request = finished.find((s) => s.name === 'POST /transfers')
    expect(decision?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId)
    expect(decision?.spanContext().traceId).toBe(request?.spanContext().traceId)
  })
})

describe('createOpenTelemetryDecisionHook: the stepup.decisions counter', () => {
  it('counts by outcome and error code, never by subject, acr or reason text', async () => {
    const { guard } = guardWith({ recordSubject: true })
    for (const token of ['tok-strong-91d2', 'tok-strong-91d2', 'tok-weak-55ab', 'tok-forged'])
      await guard(view(token), null)
    await guard(view(), null)
    await guard(view('tok-outage'), null)
    const counted = await points()
    expect(counted).toHaveLength(5)
    expect(counted).toEqual(
      expect.arrayContaining([
        { attributes: { 'stepup.outcome': 'allowed' }, value: 2 },
        {
          attributes: {
            'stepup.outcome': 'challenged',
            'stepup.error': 'insufficient_user_authentication',
          },
          value: 1,
        },
        { attributes: { 'stepup.outcome': 'challenged' }, value: 1 },
        { attributes: { 'stepup.outcome': 'refused', 'stepup.error': 'invalid_token' }, value: 1 },
        {
          attributes: {
            'stepup.outcome': 'unavailable',
            'stepup.error': 'temporarily_unavailable',
            'error.type': 'ERR_VERIFIER_UNAVAILABLE',
          },
          value: 1,
        },
      ]),
    )
  })

  it('a meter alone records metrics and no span', async () => {
    const hook = createOpenTelemetryDecisionHook({ meter })
    hook({ ok: false, status: 401, error: 'invalid_token' })
    expect(spans.getFinishedSpans()).toEqual([])
    expect(await points()).toEqual([
      { attributes: { 'stepup.outcome': 'refused', 'stepup.error': 'invalid_token' }, value: 1 },
    ])
  })
})

describe('never the token, nor the subject unless asked', () => {
  it('no span or data point carries a token or the sub', async () => {
    const { guard } = guardWith()
    for (const token of [...TOKENS, 'tok-forged', 'tok-outage']) await guard(view(token), null)
    const recorded = JSON.stringify([
      spans.getFinishedSpans().map((s) => [s.name, s.attributes, s.status, s.events]),
      await points(),
    ])
    expect(spans.getFinishedSpans()).toHaveLength(5)
    for (const secret of [...TOKENS, 'tok-forged', 'tok-outage', SUB, 'jti-'])
      expect(recorded).not.toContain(secret)
  })
})

describe('composing with your own hook', () => {
  it('calls onDecision after recording, with the same event', async () => {
    const order: string[] = []
    const { guard, events } = guardWith({
      onDecision: () => order.push(`hook after ${spans.getFinishedSpans().length} span(s)`),
    })
    await guard(view('tok-weak-55ab'), null)
    expect(order).toEqual(['hook after 1 span(s)'])
    expect(events).toMatchObject([{ ok: false, status: 401, acr: 'urn:bank:pwd' }])
  })

  it('telemetry that throws changes nothing: the answer stands and your hook still runs', async () => {
    const seen: StepUpEvent[] = []
    const broken = {
      startSpan: () => {
        throw new Error('exporter down')
      },
    } as unknown as Tracer
    const guard = createStepUpGuard<null>({
      verify: async (token) => claimsFor(token),
      requirement: { acr_values: ['phrh'] },
      now: () => NOW,
      onDecision: createOpenTelemetryDecisionHook({
        tracer: broken,
        onDecision: (e) => seen.push(e),
      }),
    })
    expect((await guard(view('tok-strong-91d2'), null)).ok).toBe(true)
    expect(await guard(view('tok-weak-55ab'), null)).toMatchObject({ ok: false, status: 401 })
    expect(seen.map((e) => e.status)).toEqual([200, 401])
  })
})

describe('options are checked when the hook is made', () => {
  it.each([
    [
      { tracr: trace.getTracer('x') },
      'ERR_UNKNOWN_OPTION',
      /unknown option "tracr" \(did you mean "tracer"\?\)/,
    ],
    [
      { tracer: trace.getTracer('x'), recordSubjects: true },
      'ERR_UNKNOWN_OPTION',
      /"recordSubjects"/,
    ],
    [{}, 'ERR_MISSING_ARGS', /give a tracer, a meter or both/],
    [{ recordSubject: true }, 'ERR_MISSING_ARGS', /give a tracer, a meter or both/],
    [{ tracer: {} }, 'ERR_INVALID_ARG_TYPE', /tracer must be an OpenTelemetry Tracer/],
    [
      { meter: trace.getTracer('x') },
      'ERR_INVALID_ARG_TYPE',
      /meter must be an OpenTelemetry Meter/,
    ],
    [{ meter: {}, tracer: undefined }, 'ERR_INVALID_ARG_TYPE', /meter must be/],
    [
      { tracer: trace.getTracer('x'), recordSubject: 'yes' },
      'ERR_INVALID_ARG_TYPE',
      /recordSubject/,
    ],
    [{ tracer: trace.getTracer('x'), onDecision: 'log' }, 'ERR_INVALID_ARG_TYPE', /onDecision/],
    [null, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ])('%o → %s', (options, code, message) => {
    const make = () =>
      createOpenTelemetryDecisionHook(options as unknown as OpenTelemetryDecisionHookOptions)
    expect(make).toThrow(message)
    expect(make).toThrow(expect.objectContaining({ code, name: 'TypeError' }))
  })
})

describe('classifyDecision', () => {
  it.each([
    [{ ok: true, status: 200 }, 'allowed'],
    [{ ok: false, status: 401 }, 'challenged'],
    [{ ok: false, status: 401, error: 'insufficient_user_authentication' }, 'challenged'],
    [{ ok: false, status: 401, error: 'invalid_token' }, 'refused'],
    [{ ok: false, status: 401, error: 'invalid_dpop_proof' }, 'refused'],
    [{ ok: false, status: 400, error: 'invalid_request' }, 'refused'],
    [{ ok: false, status: 403, error: 'insufficient_scope' }, 'refused'],
    [{ ok: false, status: 403, error: 'insufficient_authorization_details' }, 'refused'],
    [{ ok: false, status: 403 }, 'refused'],
    [{ ok: false, status: 503, error: 'temporarily_unavailable' }, 'unavailable'],
    [{ ok: false, status: 500 }, 'unavailable'],
  ] as const)('%o → %s', (event, outcome) => {
    expect(classifyDecision(event)).toBe(outcome)
  })
})

describe('StepUpEvent: what the decision asked and what the token held', () => {
  it('acr_values, acr and sub once the decision ran, on both paths', async () => {
    const { guard, events } = guardWith()
    await guard(view('tok-strong-91d2'), null)
    await guard(view('tok-weak-55ab'), null)
    expect(events).toMatchObject([
      { ok: true, acr_values: ['phrh'], acr: 'phrh', sub: SUB },
      { ok: false, status: 401, acr_values: ['phrh'], acr: 'urn:bank:pwd', sub: SUB },
    ])
  })

  it('none of them before the token is verified, nor when the decision failed to run', async () => {
    const { guard, events } = guardWith()
    await guard(view(), null)
    await guard(view('tok-forged'), null)
    await guard(view('tok-strong-91d2'), 'broken' as unknown as null)
    for (const event of events) {
      expect(event.acr_values).toBeUndefined()
      expect(event.acr).toBeUndefined()
      expect(event.sub).toBeUndefined()
    }
    expect(events).toHaveLength(3)
  })
})
