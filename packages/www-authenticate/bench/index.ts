import { parseWwwAuthenticate, safeParseWwwAuthenticate } from '@stepup/www-authenticate'
import { compare, timeOnce } from 'bench-kit'
import * as oauth from 'oauth4webapi'

/**
 * oauth4webapi does not export its WWW-Authenticate parser. Its cheapest public path is
 * `processUserInfoResponse()`: after two argument checks it parses the header of a non-2xx
 * response and rejects with `WWWAuthenticateChallengeError`, whose `cause` holds the challenges.
 */
const as: oauth.AuthorizationServer = { issuer: 'https://as.example' }
const client: oauth.Client = { client_id: 'bench' }
async function viaOauth4webapi(response: Response): Promise<unknown> {
  try {
    await oauth.processUserInfoResponse(as, client, oauth.skipSubjectCheck, response)
  } catch (error) {
    if (error instanceof oauth.WWWAuthenticateChallengeError) return error.cause
    throw error
  }
  throw new Error('oauth4webapi did not see a challenge')
}

/** The floor: one regex, one pass, no validation and no unescaping. */
const FLOOR = /([\w!#$%&'*+.^`|~-]+)(?:[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[\w!#$%&'*+.^`|~-]*))?/g
function regexFloor(value: string): { scheme: string; params: Record<string, string> }[] {
  const out: { scheme: string; params: Record<string, string> }[] = []
  let current: { scheme: string; params: Record<string, string> } | undefined
  for (const [, name, raw] of value.matchAll(FLOOR)) {
    if (raw === undefined || current === undefined) {
      current = { scheme: name!.toLowerCase(), params: {} }
      out.push(current)
    } else {
      current.params[name!.toLowerCase()] = raw
    }
  }
  return out
}

const THREE =
  'DPoP algs="ES256 PS256", Bearer error="insufficient_user_authentication", ' +
  'error_description="A different authentication level is required", acr_values="urn:example:gold urn:example:silver", ' +
  'max_age="300", Basic realm="bank"'
const RFC9470 =
  'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"'
let FOUR_KB = 'Bearer realm="bank"'
for (let i = 0; FOUR_KB.length < 4096; i++) {
  FOUR_KB += `, p${i}="urn:example:value:${i}, with a \\"quoted\\" word"`
}

const headers = (value: string) =>
  new Response(null, { status: 401, headers: { 'www-authenticate': value } })

async function ratios(title: string, value: string): Promise<void> {
  const response = headers(value)
  // Same answer from every implementation before timing anything.
  const ours = parseWwwAuthenticate(value)
  const theirs = (await viaOauth4webapi(response)) as unknown[]
  if (theirs.length !== ours.length || regexFloor(value).length !== ours.length) {
    throw new Error(`implementations disagree on ${title}`)
  }
  await compare(
    title,
    [
      {
        name: '@stepup/www-authenticate (from Response headers)',
        fn: () => parseWwwAuthenticate(response.headers.get('www-authenticate')!),
      },
      { name: '@stepup/www-authenticate (string)', fn: () => parseWwwAuthenticate(value) },
      { name: 'oauth4webapi (WWWAuthenticateChallengeError)', fn: () => viaOauth4webapi(response) },
      { name: 'single-regex floor', fn: () => regexFloor(value) },
    ],
    { baseline: 'oauth4webapi (WWWAuthenticateChallengeError)', time: 400 },
  )
  await compare(
    `${title}, against the floor`,
    [
      { name: '@stepup/www-authenticate (string)', fn: () => parseWwwAuthenticate(value) },
      { name: 'single-regex floor', fn: () => regexFloor(value) },
    ],
    { baseline: 'single-regex floor', time: 400 },
  )
}

await ratios('Three challenges (DPoP + Bearer with acr_values/max_age + Basic)', THREE)
await ratios(`A ${FOUR_KB.length}-byte header`, FOUR_KB)
await ratios('RFC 9470 §3 figure (EX-9470-01)', RFC9470)

/** Linear time: adversarial inputs of ~50 KB with maxLength raised to 1 MiB, best of 20 runs. */
const maxLength = 1 << 20
const adversarial: [string, string][] = [
  ['50 KB of escaped quotes', `Bearer realm="${'\\"'.repeat(25_000)}"`],
  ['50 KB of escaped quotes, unterminated', `Bearer realm="${'\\"'.repeat(25_000)}`],
  ['`a=b, ` repeated (duplicate at once)', `Bearer ${'a=b, '.repeat(12_500)}`],
  ['one 50 KB token68', `Newauth ${'a'.repeat(50_000)}`],
  ['50 KB of whitespace', `Bearer${' '.repeat(50_000)}realm=x`],
  ['50 KB of empty list elements', `Bearer realm=x${', '.repeat(25_000)}`],
  ['1 MB value at the default limit', `Bearer realm="${'a'.repeat(1 << 20)}"`],
]
/** Unique names as many as fit in the default 16 KiB limit (parsing cost is creating the keys). */
let unique = 'Bearer p0=v'
for (let i = 1; unique.length + `, p${i}=v`.length <= 16384; i++) unique += `, p${i}=v`
adversarial.push([
  `many unique params (${unique.split(',').length.toLocaleString('en-US')}, default limit)`,
  unique,
])
const informational: [string, string][] = [
  [
    'many unique params (5,000, limit raised)',
    `Bearer ${Array.from({ length: 5_000 }, (_, i) => `p${i}=v`).join(', ')}`,
  ],
]
console.log('\n### Adversarial input (parsed or rejected), best of 20 runs\n')
console.log('| input | length | outcome | ms |')
console.log('| --- | ---: | --- | ---: |')
for (const [name, value] of [...adversarial, ...informational]) {
  const options = name.startsWith('1 MB') || name.includes('default limit') ? {} : { maxLength }
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < 20; i++) {
    best = Math.min(
      best,
      timeOnce(() => safeParseWwwAuthenticate(value, options)),
    )
  }
  const outcome = safeParseWwwAuthenticate(value, options).success ? 'parsed' : 'rejected'
  console.log(
    `| ${name} | ${value.length.toLocaleString('en-US')} | ${outcome} | ${best.toFixed(3)} |`,
  )
  if (best > 2 && !informational.some(([n]) => n === name)) process.exitCode = 1
}
