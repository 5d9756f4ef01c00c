import {
  ACR_PHR,
  ACR_PHRH,
  type AcrDefinition,
  type AcrRegistry,
  BUILT_IN_ACR_DEFINITIONS,
  createAcrRegistry,
} from '@stepup/acr'

/** Password only (RFC 8176 `pwd`). */
export const ACR_PASSWORD = 'urn:stepup:acr:pwd'
/** Password and a second factor: a TOTP code, or a WebAuthn key with user verification. */
export const ACR_MFA = 'urn:stepup:acr:mfa'
export { ACR_PHR, ACR_PHRH }

/** The four classes this server can claim, weakest first. */
export const SUPPORTED_ACR_VALUES: readonly string[] = Object.freeze([
  ACR_PASSWORD,
  ACR_MFA,
  ACR_PHR,
  ACR_PHRH,
])

function builtIn(value: string): AcrDefinition {
  const definition = BUILT_IN_ACR_DEFINITIONS.find((d) => d.value === value)
  if (!definition) throw new Error(`@stepup/acr has no built-in ${value}`)
  return definition
}

/**
 * The acr registry the authorization server is configured with, and that a resource server of
 * the same deployment can share: `phrh` ⊇ `phr` ⊇ `urn:stepup:acr:mfa` ⊇ `urn:stepup:acr:pwd`,
 * each class with the `amr` rule under which the server claims it.
 *
 * `phr` satisfies the MFA class here because this server only accepts WebAuthn assertions with
 * user verification (possession of the key plus a PIN or biometric); EAP ACR Values itself does
 * not order `phr` against other families.
 *
 * @example
 * ```ts
 * const registry = createStepUpAcrRegistry()
 * registry.fromAmr(['pwd', 'otp', 'mfa']) // ['urn:stepup:acr:pwd', 'urn:stepup:acr:mfa']
 * registry.satisfies('phrh', ['urn:stepup:acr:mfa']) // true
 * ```
 * @see https://openid.net/specs/openid-connect-eap-acr-values-1_0.html
 */
export function createStepUpAcrRegistry(): AcrRegistry {
  return createAcrRegistry(
    [
      {
        value: ACR_PASSWORD,
        description: 'The End-User presented the account password.',
        amr: { allOf: ['pwd'] },
      },
      {
        value: ACR_MFA,
        description:
          'Multi-factor: password and a TOTP code (RFC 6238), or a WebAuthn key with user verification.',
        satisfies: [ACR_PASSWORD],
        amr: { allOf: ['mfa'], anyOf: ['otp', 'hwk', 'swk', 'pop'] },
      },
      {
        ...builtIn(ACR_PHR),
        satisfies: [ACR_MFA],
        amr: { allOf: ['mfa', 'user'], anyOf: ['hwk', 'swk', 'pop'] },
      },
      {
        ...builtIn(ACR_PHRH),
        satisfies: [ACR_PHR],
        amr: { allOf: ['hwk', 'mfa', 'user'] },
      },
    ],
    { defaults: false },
  )
}

/** What an authentication step can be: the methods a login interaction may run. */
export type AuthenticationMethod = 'password' | 'totp' | 'webauthn' | 'webauthn-hardware'

/** The `amr` a method contributes (RFC 8176 §2; `pop` from EAP ACR Values). */
export function amrFor(method: AuthenticationMethod): string[] {
  switch (method) {
    case 'password':
      return ['pwd']
    case 'totp':
      return ['otp', 'mfa']
    case 'webauthn':
      return ['pop', 'user', 'mfa']
    case 'webauthn-hardware':
      return ['hwk', 'user', 'mfa']
  }
}

/**
 * The cheapest method that reaches one of the requested classes, or undefined when none can
 * (an unknown value, or a class this server does not issue).
 */
export function methodFor(
  registry: AcrRegistry,
  requested: readonly string[],
): AuthenticationMethod | undefined {
  const ladder: [string, AuthenticationMethod][] = [
    [ACR_PASSWORD, 'password'],
    [ACR_MFA, 'totp'],
    [ACR_PHR, 'webauthn'],
    [ACR_PHRH, 'webauthn-hardware'],
  ]
  for (const [acr, method] of ladder) {
    if (registry.satisfies(acr, requested)) return method
  }
  return undefined
}

/**
 * The `acr` to claim for an authentication: the first requested value (in the client's order of
 * preference) that the methods used reach, so an essential `acr` request gets a value equal to
 * one it asked for (OpenID Connect Core §5.5.1.1); without a request, the strongest class reached.
 */
export function acrFor(
  registry: AcrRegistry,
  amr: readonly string[],
  requested: readonly string[] | undefined,
): string | undefined {
  const claimable = registry.fromAmr(amr)
  if (requested?.length) {
    for (const value of requested) {
      if (claimable.some((c) => registry.satisfies(c, [value]))) {
        return registry.get(value) ? value : undefined
      }
    }
    return undefined
  }
  return claimable.find((candidate) =>
    claimable.every((other) => registry.satisfies(candidate, [other])),
  )
}
