import { describe, expect, it } from 'vitest'
import { createEnrolmentCodes } from './enrolment.ts'

const START = Date.parse('2026-12-06T05:00:00Z')

describe('createEnrolmentCodes', () => {
  it('issues a 10-character Crockford base32 code in two groups, valid ttlSeconds', () => {
    const codes = createEnrolmentCodes({ ttlSeconds: 900, now: () => START })
    const issued = codes.issue('user-1', 'alice')
    expect(issued.username).toBe('alice')
    expect(issued.code).toMatch(/^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{5}-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{5}$/)
    expect(issued.expiresAt).toBe(START + 900_000)
  })

  it('works once, for its own user, typed in any case and with spaces', () => {
    const codes = createEnrolmentCodes({ ttlSeconds: 900, now: () => START })
    const { code } = codes.issue('user-1', 'alice')
    expect(codes.redeem('user-2', code)).toBe(false)
    expect(codes.redeem('user-1', ` ${code.toLowerCase().replace('-', ' ')} `)).toBe(true)
    expect(codes.redeem('user-1', code)).toBe(false)
  })

  it('expires: valid one millisecond before expiresAt, refused at it (frozen clock)', () => {
    let now = START
    const codes = createEnrolmentCodes({ ttlSeconds: 60, now: () => now })
    const early = codes.issue('user-1', 'alice')
    now = early.expiresAt - 1
    expect(codes.redeem('user-1', early.code)).toBe(true)
    now = START
    const late = codes.issue('user-1', 'alice')
    now = late.expiresAt
    expect(codes.redeem('user-1', late.code)).toBe(false)
  })

  it('is burnt by the fifth wrong try', () => {
    const codes = createEnrolmentCodes({ ttlSeconds: 900, now: () => START })
    const { code } = codes.issue('user-1', 'alice')
    for (let i = 0; i < 4; i++) expect(codes.redeem('user-1', 'AAAAA-AAAAA')).toBe(false)
    expect(codes.redeem('user-1', code)).toBe(true)
    const again = codes.issue('user-1', 'alice')
    for (let i = 0; i < 5; i++) expect(codes.redeem('user-1', 'AAAAA-AAAAA')).toBe(false)
    expect(codes.redeem('user-1', again.code)).toBe(false)
  })

  it('a new code replaces the old one', () => {
    const codes = createEnrolmentCodes({ ttlSeconds: 900, now: () => START })
    const first = codes.issue('user-1', 'alice')
    const second = codes.issue('user-1', 'alice')
    expect(second.code).not.toBe(first.code)
    expect(codes.redeem('user-1', first.code)).toBe(false)
    expect(codes.redeem('user-1', second.code)).toBe(true)
  })
})
