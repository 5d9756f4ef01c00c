import { checkOptions, invalidArgument } from '@stepup/internal'
import type { DpopHeader } from './dpop-sign.js'

/**
 * DPoP for {@link createStepUpFetch}: the key pair every DPoP proof is signed with.
 *
 * The private key may be non-extractable (`crypto.subtle.generateKey(…, false, ['sign'])`
 * leaves the public key extractable, as the proof's `jwk` header needs). Keep the key pair for
 * the life of the tokens bound to it, e.g. in IndexedDB, which stores a `CryptoKey` as it is.
 *
 * @example
 * ```ts
 * const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
 * const api = createStepUpFetch({ allowedOrigins: ['https://api.example.com'], dpop: { keyPair }, getAccessToken, stepUp })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.2
 */
export interface DpopOptions {
  /**
   * ECDSA P-256/P-384/P-521 (`ES256`/`ES384`/`ES512`), Ed25519 (`Ed25519`, RFC 9864), RSA-PSS
   * (`PS256`…) or RSASSA-PKCS1-v1_5 (`RS256`…): the proof's `alg` follows from the key.
   */
  readonly keyPair: CryptoKeyPair
}

const DPOP_OPTIONS = new Set(['keyPair'])

const CURVES: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
}

/** The JWS `alg` a Web Crypto signing key makes, or `undefined` for a key DPoP cannot use. */
function algOf(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as {
    name?: string
    namedCurve?: string
    hash?: { name?: string }
  }
  const bits = /^SHA-(256|384|512)$/.exec(algorithm.hash?.name ?? '')?.[1]
  switch (algorithm.name) {
    case 'ECDSA':
      return CURVES[algorithm.namedCurve ?? '']
    case 'Ed25519':
      return 'Ed25519'
    case 'RSA-PSS':
      return bits && `PS${bits}`
    case 'RSASSA-PKCS1-v1_5':
      return bits && `RS${bits}`
  }
  return undefined
}

const isKey = (key: unknown, type: string): key is CryptoKey =>
  typeof key === 'object' &&
  key !== null &&
  (key as CryptoKey).type === type &&
  typeof (key as CryptoKey).algorithm === 'object'

/** @internal Signs DPoP proofs with one key pair. */
export interface DpopSigner {
  /** The proof's `alg`. */
  readonly alg: string
  /** A new proof for one request: its method, URL, the access token and the server's nonce. */
  proof(method: string, url: string, token: string, nonce: string | undefined): Promise<string>
}

/**
 * @internal Checks `dpop` (once, when a factory runs): a key pair that signs with an asymmetric
 * algorithm, whose public key can be exported as the proof's `jwk`. Returns the `alg`.
 */
export function checkDpopKeyPair(dpop: DpopOptions, where: string): string {
  checkOptions(dpop, DPOP_OPTIONS, `${where}: dpop`)
  const { privateKey, publicKey } = (dpop.keyPair ?? {}) as Partial<CryptoKeyPair>
  if (!isKey(privateKey, 'private') || !isKey(publicKey, 'public')) {
    throw invalidArgument(
      `${where}: dpop.keyPair must be a CryptoKeyPair (crypto.subtle.generateKey) with a private and a public key`,
      { code: 'ERR_INVALID_ARG_TYPE' },
    )
  }
  const alg = algOf(privateKey)
  if (!alg || algOf(publicKey) !== alg) {
    throw invalidArgument(
      `${where}: dpop.keyPair is not an ECDSA (P-256, P-384, P-521), Ed25519, RSA-PSS or RSASSA-PKCS1-v1_5 signing key pair with SHA-256/384/512; DPoP proofs are signed with an asymmetric algorithm (RFC 9449 §4.2)`,
    )
  }
  if (!privateKey.usages.includes('sign')) {
    throw invalidArgument(
      `${where}: dpop.keyPair.privateKey cannot sign: generate it with ['sign']`,
    )
  }
  if (!publicKey.extractable) {
    throw invalidArgument(
      `${where}: dpop.keyPair.publicKey is not extractable, so it cannot be sent as the proof's jwk (RFC 9449 §4.2); only the private key may be non-extractable`,
    )
  }
  return alg
}

/**
 * @internal The signer of a checked `dpop`: each proof has the header `typ` `dpop+jwt`, `alg`
 * and the public `jwk`, and the claims `htm`, `htu` (the URL without query and fragment), `iat`,
 * a fresh random `jti`, `ath` (the base64url SHA-256 of the token) and `nonce` when the server
 * gave one (RFC 9449 §4.2, §7.1, §9), signed by jose.
 */
export function createDpopSigner(dpop: DpopOptions, where: string): DpopSigner {
  const alg = checkDpopKeyPair(dpop, where)
  const { privateKey, publicKey } = dpop.keyPair
  // The signing code (jose) is loaded with the first proof: a client without DPoP never loads
  // it, and bundlers put it in a chunk of its own.
  let signing: Promise<typeof import('./dpop-sign.js')> | undefined
  let header: Promise<DpopHeader> | undefined
  return {
    alg,
    async proof(method, url, token, nonce) {
      signing ??= import('./dpop-sign.js')
      const { publicHeader, signProof } = await signing
      header ??= publicHeader(alg, publicKey)
      return signProof(await header, privateKey, method, url, token, nonce)
    },
  }
}
