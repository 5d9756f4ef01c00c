import { Effect, Exit } from 'effect'
import { HttpClientRequest, HttpClientResponse } from 'effect/http'
import { describe, expect, it } from 'vitest'
import { parseWwwAuthenticate, readStepUpChallenge } from './www-authenticate.js'

describe('parseWwwAuthenticate', () => {
  it('RFC 9470 §3: parses the step-up challenge of the RFC example', () => {
    const value =
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"'
    const exit = Effect.runSyncExit(parseWwwAuthenticate(value))
    expect(Exit.isSuccess(exit) && exit.value[0]?.params).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
      acr_values: 'myACR',
    })
  })

  it('fails with WwwAuthenticateParseError (offset, not the value) on malformed input', () => {
    const exit = Effect.runSyncExit(parseWwwAuthenticate('Bearer realm="secret'))
    const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    const error = reason?._tag === 'Fail' ? reason.error.reason : undefined
    expect(error?._tag).toBe('WwwAuthenticateParseError')
    expect(error?.code).toBe('ERR_WWW_AUTHENTICATE_MALFORMED')
    expect(typeof error?.offset).toBe('number')
    expect(error?.message).not.toContain('secret')
  })
})

describe('readStepUpChallenge', () => {
  const response = (status: number, challenge: string) =>
    HttpClientResponse.fromWeb(
      HttpClientRequest.get('https://api.example.com/'),
      new Response(null, { status, headers: { 'www-authenticate': challenge } }),
    )

  it('RFC 9470 §3: reads max_age from a 401 challenge', () => {
    const c = Effect.runSync(
      readStepUpChallenge(
        response(401, 'Bearer error="insufficient_user_authentication", max_age=5'),
      ),
    )
    expect(c).toMatchObject({ kind: 'step_up', max_age: 5 })
  })

  it('ignores a challenge on a 200', () => {
    expect(
      Effect.runSync(
        readStepUpChallenge(response(200, 'Bearer error="insufficient_user_authentication"')),
      ),
    ).toBeUndefined()
  })

  it('fails with StepUpFailed ERR_CHALLENGE_INVALID for invalid parameters, never throws', () => {
    const exit = Effect.runSyncExit(
      readStepUpChallenge(
        response(401, 'Bearer error="insufficient_user_authentication", max_age="-1"'),
      ),
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const failure = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    expect(failure?._tag === 'Fail' && failure.error).toMatchObject({
      _tag: 'StepUpAuthError',
      reason: { _tag: 'StepUpFailed', code: 'ERR_CHALLENGE_INVALID' },
    })
  })
})
