import { readFileSync } from 'node:fs'
import { SignJWT } from 'jose'
import { type Logger, pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createStepUpGuard, type HttpRequestView, type StepUpEvent } from '../src/http.ts'
import { createJwtAccessTokenVerifier } from '../src/index.ts'
import { classifyDecision } from '../src/otel.ts'
import { AUDIENCE, ISSUER, makeKey, NOW } from './keys.ts'

// The operating guide's audit log (docs/operating.md, "An audit log with pino"), verbatim from
// here down to the marker; the first test checks the guide still shows exactly this.
/** One JSON line per decision: what was asked, what was held, why. Never the token or `sub`. */
export const auditDecisions =
  (log: Logger) =>
  (event: StepUpEvent): void => {
    const line = {
      outcome: classifyDecision(event),
      status: event.status,
      error: event.error,
      reason: event.reason,
      reasons: event.reasons?.map((r) => r.code),
      fired: event.fired,
      acr_values: event.acr_values,
      acr: event.acr,
    }
    if (event.status >= 500) log.error({ ...line, err: event.cause }, 'step-up decision')
    else log.info(line, 'step-up decision')
  }
// End of the guide's example.

const SUB = 'alice-7f3c'
const JTI = 'jti-b5e1d0'

describe('the audit log of the operating guide', () => {
  it('is the code the guide shows', () => {
    const guide = readFileSync(new URL('../../../docs/operating.md', import.meta.url), 'utf8')
    const source = readFileSync(new URL(import.meta.url), 'utf8')
    const example = source.slice(
      source.indexOf('/** One JSON line per decision'),
      source.indexOf('// End of the guide'),
    )
    expect(example.length).toBeGreaterThan(500)
    expect(guide).toContain(example)
  })

  it('writes one JSON line per decision, without the token, its sub or its jti', async () => {
    const key = await makeKey('ES256', 'k1')
    const sign = (claims: Record<string, unknown>, key_ = key) =>
      new SignJWT({ client_id: 'c', auth_time: NOW - 10, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(SUB)
        .setJti(JTI)
        .setIssuedAt(NOW - 10)
        .setExpirationTime(NOW + 60)
        .sign(key_.privateKey)
    const forger = await makeKey('ES256', 'k1')
    const tokens = {
      strong: await sign({ acr: 'phrh' }),
      weak: await sign({ acr: 'phr' }),
      forged: await sign({ acr: 'phrh' }, forger),
      stale: await sign({ acr: 'phrh', auth_time: NOW - 3600 }),
    }
    const lines: string[] = []
    const log = pino({ base: null }, { write: (line: string) => lines.push(line) })
    const guard = createStepUpGuard<'redis-down' | null>({
      verify: createJwtAccessTokenVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: key.jwk,
        now: () => NOW,
      }),
      requirement: (request) => {
        if (request === 'redis-down')
          throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6379'), {
            code: 'ECONNREFUSED',
          })
        return { acr_values: ['phrh'], max_age: 300 }
      },
      now: () => NOW,
      onDecision: auditDecisions(log),
    })
    const view = (token?: string): HttpRequestView => ({
      method: 'POST',
      url: '/transfers',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body: () => undefined,
    })

    await guard(view(tokens.strong), null)
    await guard(view(tokens.weak), null)
    await guard(view(tokens.stale), null)
    await guard(view(tokens.forged), null)
    await guard(view(), null)
    await guard(view(tokens.strong), 'redis-down')

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(parsed).toMatchObject([
      { level: 30, msg: 'step-up decision', outcome: 'allowed', status: 200, acr: 'phrh' },
      {
        outcome: 'challenged',
        status: 401,
        error: 'insufficient_user_authentication',
        reason: 'acr_not_satisfied (acr: one of phrh)',
        reasons: ['acr_not_satisfied'],
        acr_values: ['phrh'],
        acr: 'phr',
      },
      { outcome: 'challenged', reasons: ['auth_time_stale'] },
      { outcome: 'refused', status: 401, error: 'invalid_token' },
      { outcome: 'challenged', status: 401 },
      {
        level: 50,
        outcome: 'unavailable',
        status: 503,
        error: 'temporarily_unavailable',
        err: { type: 'Error', message: 'connect ECONNREFUSED 10.0.0.7:6379', code: 'ECONNREFUSED' },
      },
    ])
    const written = lines.join('')
    for (const secret of [...Object.values(tokens), SUB, JTI]) expect(written).not.toContain(secret)
    // Nor any part of a token (a JWS segment), whatever field it could have slipped into.
    for (const segment of Object.values(tokens).flatMap((t) => t.split('.')))
      expect(written).not.toContain(segment)
  })
})
