/**
 * The rules `@stepup/client`'s `createStepUpFetch` and `@stepup/effect`'s `makeStepUpClient` both
 * apply, so the two step-up loops behave the same way: which origins get the token, which
 * redirect hop comes next, when two challenges are the same, and what a failed `stepUp` means.
 */
export { isLoopbackHost, normalizeAllowedOrigins } from './allowed-origins.js'
export { canonicalJson } from './canonical-json.js'
export { challengeKey, type KeyedChallenge } from './challenge-key.js'
export { type StepUpFailureCode, stepUpFailureCode } from './failure-code.js'
export { MAX_REDIRECTS, nextRedirectHop, type RedirectHop } from './redirect.js'
