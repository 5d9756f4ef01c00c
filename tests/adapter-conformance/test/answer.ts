import { parseOAuthChallenge, parseWwwAuthenticate } from '@stepup/www-authenticate'
import {
  allowInsecureRequests,
  customFetch,
  protectedResourceRequest,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi'
import { expect } from 'vitest'
import type { CaseResponse } from '../src/client.ts'
import type { Answer } from './cases.ts'

const plain = (challenges: ReturnType<typeof parseWwwAuthenticate>) =>
  challenges.map((c) => ({ scheme: c.scheme, params: { ...c.params } }))

/** oauth4webapi's reading of the same response: it throws the challenges it parsed. */
async function readBack(res: CaseResponse) {
  const error = await protectedResourceRequest(
    't',
    'GET',
    new URL('http://127.0.0.1/'),
    undefined,
    undefined,
    {
      [customFetch]: async () => res.toResponse(),
      [allowInsecureRequests]: true,
    },
  ).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (error === undefined) return null
  expect(error).toBeInstanceOf(WWWAuthenticateChallengeError)
  return (error as WWWAuthenticateChallengeError).cause.map((c) => ({
    scheme: c.scheme,
    params: { ...c.parameters },
  }))
}

/**
 * Asserts one response is exactly the expected answer: the status, one `WWW-Authenticate` line
 * holding exactly these challenges (as @stepup/www-authenticate and oauth4webapi both read it),
 * or none at all, `Access-Control-Expose-Headers` when the app exposes challenges, and the JSON
 * body (or an empty one).
 */
export async function expectAnswer(
  res: CaseResponse,
  expected: Answer,
  options: { exposes: boolean; who: string },
): Promise<void> {
  const { who } = options
  expect(res.status, `${who}, answered ${res.text.slice(0, 300)}`).toBe(expected.status)
  const www = res.lines['www-authenticate']
  if (expected.challenges === null) {
    expect(www, who).toBeUndefined()
    expect(await readBack(res), who).toBeNull()
  } else {
    expect(www, who).toHaveLength(1)
    const parsed = plain(parseWwwAuthenticate(www!))
    expect(parsed, who).toEqual(expected.challenges)
    for (const challenge of parseWwwAuthenticate(www!)) {
      expect(parseOAuthChallenge(challenge).invalid, who).toEqual([])
    }
    expect(await readBack(res), `${who} via oauth4webapi`).toEqual(expected.challenges)
    const exposed = res.lines['access-control-expose-headers']
    expect(exposed, who).toEqual(options.exposes ? ['WWW-Authenticate'] : undefined)
  }
  if (expected.body === null) expect(res.text, who).toBe('')
  else {
    expect(res.lines['content-type']?.[0], who).toMatch(/^application\/json\b/)
    expect(JSON.parse(res.text), who).toEqual(expected.body)
  }
}
