import { describe, expect, it } from 'vitest'
import { toErrorResponse } from './challenge.js'
import {
  type AccessTokenSources,
  type ExtractAccessTokenResult,
  extractAccessToken,
} from './extract.js'

const MISSING: ExtractAccessTokenResult = { ok: false, status: 401, challenge: {} }
const invalid = (error_description: string): ExtractAccessTokenResult => ({
  ok: false,
  status: 400,
  challenge: { error: 'invalid_request', error_description },
})
const MALFORMED = invalid('The access token credentials are malformed')

const cases: {
  title: string
  sources: AccessTokenSources
  schemes?: ('Bearer' | 'DPoP')[]
  expected: ExtractAccessTokenResult
}[] = [
  {
    title: 'RFC 6750 §2.1 header',
    sources: { authorization: 'Bearer mF_9.B5f-4.1JqM' },
    expected: { ok: true, token: 'mF_9.B5f-4.1JqM', scheme: 'Bearer' },
  },
  {
    title: 'scheme is case-insensitive',
    sources: { authorization: 'bEARER abc==' },
    expected: { ok: true, token: 'abc==', scheme: 'Bearer' },
  },
  {
    title: 'several spaces after the scheme',
    sources: { authorization: 'Bearer   abc' },
    expected: { ok: true, token: 'abc', scheme: 'Bearer' },
  },
  {
    title: 'RFC 9449 §7.1 DPoP header, when DPoP is accepted',
    sources: { authorization: 'DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU' },
    schemes: ['Bearer', 'DPoP'],
    expected: { ok: true, token: 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU', scheme: 'DPoP' },
  },
  {
    title: 'DPoP when only Bearer is accepted → no credentials',
    sources: { authorization: 'DPoP abc' },
    expected: MISSING,
  },
  {
    title: 'SD-12: nothing at all → 401 without error information',
    sources: {},
    expected: MISSING,
  },
  { title: 'null header', sources: { authorization: null }, expected: MISSING },
  {
    title: 'another scheme (Basic) → no credentials',
    sources: { authorization: 'Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW' },
    expected: MISSING,
  },
  {
    title: 'RFC 6750 §2.2 form body',
    sources: { body: 'mF_9.B5f-4.1JqM' },
    expected: { ok: true, token: 'mF_9.B5f-4.1JqM', scheme: 'Bearer' },
  },
  {
    title: 'RFC 6750 §2.3 query → invalid_request',
    sources: { query: true },
    expected: invalid('Access tokens in the URI query are not accepted'),
  },
  {
    title: 'header and query → invalid_request',
    sources: { authorization: 'Bearer a', query: true },
    expected: invalid('Multiple methods used to include access token'),
  },
  {
    title: 'header and body → invalid_request',
    sources: { authorization: 'Bearer a', body: 'b' },
    expected: invalid('Multiple methods used to include access token'),
  },
  {
    title: 'body and query → invalid_request',
    sources: { body: 'b', query: true },
    expected: invalid('Multiple methods used to include access token'),
  },
  { title: '"Bearer" without a token', sources: { authorization: 'Bearer' }, expected: MALFORMED },
  {
    title: 'token with a space inside',
    sources: { authorization: 'Bearer a b' },
    expected: MALFORMED,
  },
  {
    title: 'two joined Authorization lines',
    sources: { authorization: 'Bearer a, Bearer b' },
    expected: MALFORMED,
  },
  {
    title: 'a tab instead of a space',
    sources: { authorization: 'Bearer\tabc' },
    expected: MALFORMED,
  },
  {
    title: 'CR/LF injection',
    sources: { authorization: 'Bearer abc\r\nX: y' },
    expected: MALFORMED,
  },
  {
    title: 'padding in the middle',
    sources: { authorization: 'Bearer ab=c' },
    expected: MALFORMED,
  },
  {
    title: 'an oversized header',
    sources: { authorization: `Bearer ${'a'.repeat(9000)}` },
    expected: MALFORMED,
  },
  {
    title: 'a body token with forbidden characters',
    sources: { body: 'a"b' },
    expected: MALFORMED,
  },
  { title: 'an empty body token', sources: { body: '' }, expected: MALFORMED },
]

describe('extractAccessToken (RFC 6750 §2)', () => {
  it.each(cases)('$title', ({ sources, schemes, expected }) => {
    expect(extractAccessToken(sources, schemes ? { schemes } : {})).toEqual(expected)
  })

  it('renders missing credentials and invalid_request through toErrorResponse', () => {
    const missing = extractAccessToken({})
    if (missing.ok) throw new Error('expected a failure')
    expect(toErrorResponse(missing, { realm: 'example' })).toEqual({
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="example"' },
      body: null,
    })
    const query = extractAccessToken({ query: true })
    if (query.ok) throw new Error('expected a failure')
    expect(
      toErrorResponse(query, { schemes: ['Bearer', 'DPoP'], algs: ['ES256', 'PS256'] }),
    ).toEqual({
      status: 400,
      headers: {
        'www-authenticate':
          'Bearer error="invalid_request", error_description="Access tokens in the URI query are not accepted", DPoP algs="ES256 PS256"',
        'content-type': 'application/json',
      },
      body: {
        error: 'invalid_request',
        error_description: 'Access tokens in the URI query are not accepted',
      },
    })
  })

  it('honours maxLength', () => {
    expect(extractAccessToken({ authorization: 'Bearer abcdef' }, { maxLength: 5 })).toEqual(
      MALFORMED,
    )
  })
})
