import { createJwtAccessTokenVerifier } from '@stepup/assurance'

/** The authorization server whose RFC 9068 access tokens this app accepts. */
export const issuer = process.env['STEPUP_ISSUER'] ?? 'https://as.example.com'

/** One verifier for the whole app: it caches the issuer's key set (module scope, per instance). */
export const verifier = createJwtAccessTokenVerifier({
  issuer,
  audience: process.env['STEPUP_AUDIENCE'] ?? 'https://bank.example.com',
  jwks: new URL(`${issuer}/jwks`),
})
