/** @internal A caller mistake: a `TypeError` with a Node-style `code`. */
export function invalidArg(message: string, code = 'ERR_INVALID_ARG_VALUE'): TypeError {
  return Object.assign(new TypeError(message), { code })
}

/** @internal RFC 6749 §3.3 scope-token, also the DPoP nonce syntax (RFC 9449 §8.1): `1*NQCHAR`. */
export const NQCHARS: RegExp = /^[\x21\x23-\x5B\x5D-\x7E]+$/
