/**
 * The Authentication Method Reference values registered with IANA: the twenty from RFC 8176
 * §2 and `pop` from OpenID Connect EAP ACR Values 1.0. Keys are the wire values.
 *
 * The registry grows by expert review, so treat any other `amr` value as opaque rather than
 * invalid.
 *
 * @example
 * ```ts
 * const rule = { allOf: [AMR.hwk], anyOf: [AMR.pin, AMR.fpt, AMR.face] }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */
export const AMR: { readonly [V in AmrValue]: V } = /* @__PURE__ */ Object.freeze(
  Object.fromEntries(
    'face fpt geo hwk iris kba mca mfa otp pin pop pwd rba retina sc sms swk tel user vbm wia'
      .split(' ')
      .map((v) => [v, v]),
  ),
) as { readonly [V in AmrValue]: V }

/**
 * A registered Authentication Method Reference value (RFC 8176 §2 and EAP `pop`), as
 * {@link isRegisteredAmr} narrows a claim's entries to.
 *
 * @example
 * ```ts
 * const registered = ['hwk', 'pin', 'x-vendor'].filter(isRegisteredAmr) // ['hwk', 'pin']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */
export type AmrValue =
  | 'face'
  | 'fpt'
  | 'geo'
  | 'hwk'
  | 'iris'
  | 'kba'
  | 'mca'
  | 'mfa'
  | 'otp'
  | 'pin'
  | 'pop'
  | 'pwd'
  | 'rba'
  | 'retina'
  | 'sc'
  | 'sms'
  | 'swk'
  | 'tel'
  | 'user'
  | 'vbm'
  | 'wia'

/**
 * Whether a value is one of the registered Authentication Method Reference values
 * (case-sensitive). An unregistered value is not an error: the registry grows.
 *
 * @example
 * ```ts
 * isRegisteredAmr('pop') // true
 * isRegisteredAmr('pwx') // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */
export function isRegisteredAmr(value: unknown): value is AmrValue {
  return typeof value === 'string' && Object.hasOwn(AMR, value)
}
