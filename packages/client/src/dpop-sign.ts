import { base64url, exportJWK, type JWK, SignJWT } from 'jose'

/** The protected header of every proof of one key pair (RFC 9449 §4.2). */
export interface DpopHeader {
  readonly alg: string
  readonly typ: 'dpop+jwt'
  readonly jwk: JWK
}

const utf8 = /*#__PURE__*/ new TextEncoder()

/** The proof header for `publicKey`: `alg`, `typ: dpop+jwt` and the public JWK (RFC 9449 §4.2). */
export async function publicHeader(alg: string, publicKey: CryptoKey): Promise<DpopHeader> {
  return { alg, typ: 'dpop+jwt', jwk: await exportJWK(publicKey) }
}

/**
 * A DPoP proof for one request (RFC 9449 §4.2): `htm`, `htu` without query and fragment, `iat`,
 * a random `jti`, `ath` (the SHA-256 of the access token, §7.1) and the server's `nonce` when it
 * gave one (§9), signed by jose.
 */
export async function signProof(
  header: DpopHeader,
  privateKey: CryptoKey,
  method: string,
  url: string,
  token: string,
  nonce: string | undefined,
): Promise<string> {
  const target = new URL(url)
  const hash = await crypto.subtle.digest('SHA-256', utf8.encode(token))
  return new SignJWT({
    htm: method,
    htu: `${target.origin}${target.pathname}`,
    iat: Math.floor(Date.now() / 1000),
    jti: base64url.encode(crypto.getRandomValues(new Uint8Array(16))),
    ath: base64url.encode(new Uint8Array(hash)),
    ...(nonce !== undefined && { nonce }),
  })
    .setProtectedHeader({ ...header })
    .sign(privateKey)
}
