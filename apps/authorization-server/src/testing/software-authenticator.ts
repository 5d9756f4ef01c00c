import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto'
import { type CborValue, encodeCbor } from './cbor.ts'

/**
 * `PublicKeyCredentialCreationOptions` in their JSON form (WebAuthn Level 3 §5.4), as
 * `PublicKeyCredential.parseCreationOptionsFromJSON` reads them.
 */
export interface CreationOptionsJSON {
  readonly challenge: string
  readonly rp: { readonly id?: string; readonly name: string }
  readonly user: { readonly id: string; readonly name: string; readonly displayName: string }
  readonly pubKeyCredParams: readonly { readonly alg: number; readonly type: string }[]
  readonly excludeCredentials?: readonly { readonly id: string }[]
  readonly authenticatorSelection?: { readonly userVerification?: string }
  readonly attestation?: string
}

/** `PublicKeyCredentialRequestOptions` in their JSON form (WebAuthn Level 3 §5.5). */
export interface RequestOptionsJSON {
  readonly challenge: string
  readonly rpId?: string
  readonly allowCredentials?: readonly { readonly id: string }[]
  readonly userVerification?: string
}

/** A registration response as `PublicKeyCredential.toJSON()` produces it. */
export interface RegistrationCredentialJSON {
  readonly id: string
  readonly rawId: string
  readonly type: 'public-key'
  readonly response: {
    readonly clientDataJSON: string
    readonly attestationObject: string
    readonly authenticatorData: string
    readonly publicKey: string
    readonly publicKeyAlgorithm: number
    readonly transports: string[]
  }
  readonly clientExtensionResults: Record<string, never>
  readonly authenticatorAttachment: 'cross-platform' | 'platform'
}

/** An authentication response as `PublicKeyCredential.toJSON()` produces it. */
export interface AuthenticationCredentialJSON {
  readonly id: string
  readonly rawId: string
  readonly type: 'public-key'
  readonly response: {
    readonly clientDataJSON: string
    readonly authenticatorData: string
    readonly signature: string
    readonly userHandle: string
  }
  readonly clientExtensionResults: Record<string, never>
  readonly authenticatorAttachment: 'cross-platform' | 'platform'
}

/** Options for {@link createSoftwareAuthenticator}. */
export interface SoftwareAuthenticatorOptions {
  /**
   * Device-bound key (flags BE = 0, BS = 0; a server applying the BE heuristic treats it as
   * hardware-bound, `phrh`) when true (default); a synced passkey (BE = 1, BS = 1, `phr`) when
   * false.
   */
  readonly hardwareBound?: boolean
  /** Whether the authenticator performs user verification (sets UV). Default true. */
  readonly userVerification?: boolean
  /** AAGUID (16 bytes); default all zeros, as `none` attestation conveys. */
  readonly aaguid?: Uint8Array
  /** `authenticatorAttachment` the client reports. Default `cross-platform`. */
  readonly attachment?: 'cross-platform' | 'platform'
}

/** One credential the authenticator holds. */
export interface SoftwareCredential {
  readonly id: string
  readonly rpId: string
  readonly userHandle: string
  readonly privateKey: KeyObject
  signCount: number
}

/** A WebAuthn authenticator and client in software, for scripted, real ceremonies. */
export interface SoftwareAuthenticator {
  /** Run `navigator.credentials.create()` for `origin`: make an ES256 key and a `none` attestation. */
  createCredential(
    options: CreationOptionsJSON,
    origin: string,
  ): Promise<RegistrationCredentialJSON>
  /** Run `navigator.credentials.get()` for `origin`: sign authenticatorData ‖ SHA-256(clientDataJSON). */
  getAssertion(options: RequestOptionsJSON, origin: string): Promise<AuthenticationCredentialJSON>
  /** The credentials created so far. */
  readonly credentials: readonly SoftwareCredential[]
}

/** Thrown where a browser would reject the ceremony (`name` is the DOMException name). */
export class WebAuthnCeremonyError extends Error {
  override readonly name:
    | 'NotAllowedError'
    | 'InvalidStateError'
    | 'SecurityError'
    | 'NotSupportedError'
  constructor(name: WebAuthnCeremonyError['name'], message: string) {
    super(message)
    this.name = name
  }
}

const FLAG_UP = 0x01
const FLAG_UV = 0x04
const FLAG_BE = 0x08
const FLAG_BS = 0x10
const FLAG_AT = 0x40
const ES256 = -7

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** The RP ID must equal the origin's host or be a registrable suffix of it (WebAuthn §5.1.3 step 8). */
function checkRpId(rpId: string, origin: string): void {
  const url = new URL(origin)
  const secure = url.protocol === 'https:' || url.hostname === 'localhost'
  if (!secure) throw new WebAuthnCeremonyError('SecurityError', 'origin is not a secure context')
  if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
    throw new WebAuthnCeremonyError('SecurityError', 'RP ID is not valid for this origin')
  }
}

function clientData(type: string, challenge: string, origin: string): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ type, challenge, origin: new URL(origin).origin, crossOrigin: false }),
  )
}

/** COSE_Key for an EC2 P-256 public key (RFC 9053 §7.1.1), keys in deterministic order. */
function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' })
  return encodeCbor(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, ES256],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]),
  )
}

function counterBytes(count: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, count)
  return out
}

/**
 * Create a software WebAuthn authenticator: ES256 keys, `none` attestation, real CBOR/COSE
 * encoding, real ECDSA signatures over authenticatorData ‖ clientDataHash and a per-credential
 * signature counter. It also plays the browser's part (clientDataJSON, RP ID and origin checks).
 *
 * @example
 * ```ts
 * const authenticator = createSoftwareAuthenticator({ hardwareBound: true })
 * const credential = await authenticator.createCredential(creationOptions, 'http://localhost:3000')
 * const assertion = await authenticator.getAssertion(requestOptions, 'http://localhost:3000')
 * ```
 * @see https://www.w3.org/TR/webauthn-3/#sctn-authenticator-data
 */
export function createSoftwareAuthenticator(
  options: SoftwareAuthenticatorOptions = {},
): SoftwareAuthenticator {
  const hardwareBound = options.hardwareBound ?? true
  const userVerification = options.userVerification ?? true
  const aaguid = options.aaguid ?? new Uint8Array(16)
  if (aaguid.length !== 16) throw new TypeError('aaguid must be 16 bytes')
  const attachment = options.attachment ?? 'cross-platform'
  const credentials: SoftwareCredential[] = []

  const flags = (extra: number): number =>
    FLAG_UP | (userVerification ? FLAG_UV : 0) | (hardwareBound ? 0 : FLAG_BE | FLAG_BS) | extra

  return {
    credentials,
    async createCredential(creation, origin) {
      const rpId = creation.rp.id ?? new URL(origin).hostname
      checkRpId(rpId, origin)
      if (!creation.pubKeyCredParams.some((p) => p.type === 'public-key' && p.alg === ES256)) {
        throw new WebAuthnCeremonyError('NotSupportedError', 'ES256 is not among pubKeyCredParams')
      }
      if (creation.authenticatorSelection?.userVerification === 'required' && !userVerification) {
        throw new WebAuthnCeremonyError('NotAllowedError', 'user verification is not available')
      }
      const excluded = new Set((creation.excludeCredentials ?? []).map((c) => c.id))
      if (credentials.some((c) => c.rpId === rpId && excluded.has(c.id))) {
        throw new WebAuthnCeremonyError('InvalidStateError', 'a credential is already registered')
      }
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const rawId = new Uint8Array(randomBytes(32))
      const credential: SoftwareCredential = {
        id: b64url(rawId),
        rpId,
        userHandle: creation.user.id,
        privateKey,
        signCount: 0,
      }
      const idLength = Uint8Array.of(rawId.length >> 8, rawId.length & 0xff)
      const authData = concat(
        sha256(rpId),
        Uint8Array.of(flags(FLAG_AT)),
        counterBytes(credential.signCount),
        aaguid,
        idLength,
        rawId,
        coseKey(publicKey),
      )
      const attestationObject = encodeCbor(
        new Map<string, CborValue>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', authData],
        ]),
      )
      credentials.push(credential)
      const spki = new Uint8Array(
        createPublicKey(privateKey).export({ format: 'der', type: 'spki' }),
      )
      return {
        id: credential.id,
        rawId: credential.id,
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientData('webauthn.create', creation.challenge, origin)),
          attestationObject: b64url(attestationObject),
          authenticatorData: b64url(authData),
          publicKey: b64url(spki),
          publicKeyAlgorithm: ES256,
          transports: attachment === 'platform' ? ['internal'] : ['usb'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: attachment,
      }
    },
    async getAssertion(request, origin) {
      const rpId = request.rpId ?? new URL(origin).hostname
      checkRpId(rpId, origin)
      if (request.userVerification === 'required' && !userVerification) {
        throw new WebAuthnCeremonyError('NotAllowedError', 'user verification is not available')
      }
      const allowed = new Set((request.allowCredentials ?? []).map((c) => c.id))
      const credential = credentials.find(
        (c) => c.rpId === rpId && (allowed.size === 0 || allowed.has(c.id)),
      )
      if (!credential) {
        throw new WebAuthnCeremonyError('NotAllowedError', 'no matching credential')
      }
      credential.signCount += 1
      const authData = concat(
        sha256(rpId),
        Uint8Array.of(flags(0)),
        counterBytes(credential.signCount),
      )
      const clientDataJSON = clientData('webauthn.get', request.challenge, origin)
      const signature = sign(
        'sha256',
        concat(authData, sha256(clientDataJSON)),
        credential.privateKey,
      )
      return {
        id: credential.id,
        rawId: credential.id,
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientDataJSON),
          authenticatorData: b64url(authData),
          signature: b64url(new Uint8Array(signature)),
          userHandle: credential.userHandle,
        },
        clientExtensionResults: {},
        authenticatorAttachment: attachment,
      }
    },
  }
}
