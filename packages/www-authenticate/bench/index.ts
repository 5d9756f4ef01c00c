import { deepStrictEqual } from 'node:assert/strict'
import { availableParallelism, cpus } from 'node:os'
import { parseWwwAuthenticate, safeParseWwwAuthenticate } from '@stepup/www-authenticate'
import { compareRounds, measureRounds, median } from 'bench-kit'
import * as oauth from 'oauth4webapi'
import { loadOauth4webapiParser } from './oauth4webapi-parser.ts'

console.log(
  `Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
    new Date().toISOString(),
)

/**
 * oauth4webapi does not export its WWW-Authenticate parser: its own function is read out of the
 * installed package (see oauth4webapi-parser.ts) and called with the same `Response` our
 * "header read from the Response" row reads, so both sides pay the same `headers.get()`.
 */
const peer = loadOauth4webapiParser()
console.log(
  `oauth4webapi ${peer.version}: parseWwwAuthenticateChallenges read from ${peer.file} ` +
    `(${peer.names.length} top-level declarations, ${peer.length} characters: the function and the ` +
    `regexes and helpers it uses) and evaluated unchanged with new Function. Before timing, its ` +
    `result is checked equal to the challenges processUserInfoResponse() rejects with.`,
)

/** Its cheapest public path, for comparison: the parser plus an async call and an Error. */
const as: oauth.AuthorizationServer = { issuer: 'https://as.example' }
const client: oauth.Client = { client_id: 'bench' }
async function viaPublicPath(response: Response): Promise<unknown> {
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

const OURS_RESPONSE = '@stepup/www-authenticate, header read from the Response'
const OURS_STRING = '@stepup/www-authenticate, string'
const PEER = `oauth4webapi ${peer.version} parseWwwAuthenticateChallenges(response)`
const PEER_PUBLIC = 'oauth4webapi via processUserInfoResponse (public path)'
const REGEX = 'single-regex floor, string'

interface Target {
  readonly subject: string
  readonly baseline: string
  readonly atLeast: number
}
const outcomes: string[] = []

async function table(title: string, value: string, target: Target): Promise<void> {
  const response = new Response(null, { status: 401, headers: { 'www-authenticate': value } })
  // Same answer from every implementation before timing anything.
  const ours = parseWwwAuthenticate(value).map(({ scheme, params, token68 }) => ({
    scheme,
    parameters: { ...params },
    ...(token68 === undefined ? {} : { token68 }),
  }))
  const theirs = peer.parse(response)
  deepStrictEqual(theirs, ours, `oauth4webapi's parser disagrees on ${title}`)
  deepStrictEqual(await viaPublicPath(response), theirs, `the loaded parser is not the one in use`)
  if (regexFloor(value).length !== ours.length) throw new Error(`the floor disagrees on ${title}`)

  const rows = await compareRounds(
    `${title} (${value.length} bytes)`,
    [
      {
        name: OURS_RESPONSE,
        fn: () => parseWwwAuthenticate(response.headers.get('www-authenticate')!),
      },
      { name: OURS_STRING, fn: () => parseWwwAuthenticate(value) },
      { name: PEER, fn: () => peer.parse(response) },
      { name: PEER_PUBLIC, fn: () => viaPublicPath(response) },
      { name: REGEX, fn: () => regexFloor(value) },
    ],
    { baselines: [PEER, REGEX], rounds: 15, time: 60, clock: 'cpu' },
  )
  const ratio = rows.find((r) => r.name === target.subject)!.ratios.get(target.baseline)!.median
  const met = ratio >= target.atLeast
  outcomes.push(
    `${title}: ${target.subject} ÷ ${target.baseline} = ${ratio.toFixed(2)}, target ≥ ${target.atLeast} ` +
      (met
        ? 'met'
        : `MISSED by ${(((target.atLeast - ratio) / target.atLeast) * 100).toFixed(0)} %`),
  )
  // A missed ratio is reported, not fatal: `pnpm bench` goes on to the other packages.
}

await table('Three challenges (DPoP + Bearer with acr_values/max_age + Basic)', THREE, {
  subject: OURS_RESPONSE,
  baseline: PEER,
  atLeast: 3,
})
await table('A 4 KB header of quoted values with quoted-pairs', FOUR_KB, {
  subject: OURS_RESPONSE,
  baseline: PEER,
  atLeast: 3,
})
await table('RFC 9470 §3 figure (EX-9470-01)', RFC9470, {
  subject: OURS_STRING,
  baseline: REGEX,
  atLeast: 0.6,
})

/**
 * Linear time: each adversarial input at 1 KB, 4 KB and 16 KB (the default maxLength), parsed with
 * the default options. Linear parsing takes 4× as long for 4× the input; quadratic, 16×.
 */
const SIZES = [1024, 4096, 16384] as const
const pad = (head: string, unit: string, tail: string, size: number) =>
  head + unit.repeat(Math.floor((size - head.length - tail.length) / unit.length)) + tail
function uniqueParams(size: number): string {
  let s = 'Bearer p0=v'
  for (let i = 1; s.length + `, p${i}=v`.length <= size; i++) s += `, p${i}=v`
  return s
}
const adversarial: [string, (size: number) => string][] = [
  [
    'escaped quotes (`\\"` repeated) in a quoted-string',
    (n) => pad('Bearer realm="', '\\"', '"', n),
  ],
  ['the same, unterminated', (n) => pad('Bearer realm="', '\\"', '', n)],
  ['one token68', (n) => pad('Newauth ', 'a', '', n)],
  ['spaces between the scheme and a parameter', (n) => pad('Bearer', ' ', 'realm=x', n)],
  ['empty list elements (`, ` repeated)', (n) => pad('Bearer realm=x', ', ', '', n)],
  ['bare schemes (`a, ` repeated)', (n) => pad('a', ', a', '', n)],
  ['unique parameter names', uniqueParams],
  ['`a=b, ` repeated (duplicate at the second)', (n) => pad('Bearer ', 'a=b, ', 'a=b', n)],
]
console.log(
  '\n### Adversarial input: time per call at 1, 4 and 16 KB\n\n' +
    'Default options (maxLength 16384). Median of 7 interleaved rounds, 40 ms of CPU time per input ' +
    'per round. Linear: the time grows 4× ' +
    'from 1 to 4 KB and from 4 to 16 KB; quadratic: 16×.\n',
)
console.log('| input | outcome | 1 KB µs | 4 KB µs | 16 KB µs | 4 KB ÷ 1 KB | 16 KB ÷ 4 KB |')
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
for (const [name, make] of adversarial) {
  const inputs = SIZES.map((size) => make(size))
  const outcome = inputs.map((v) => (safeParseWwwAuthenticate(v).success ? 'parsed' : 'rejected'))
  if (new Set(outcome).size !== 1) throw new Error(`${name}: outcome changes with the size`)
  const hz = await measureRounds(
    inputs.map((v) => ({ name: String(v.length), fn: () => safeParseWwwAuthenticate(v) })),
    { rounds: 7, time: 40, clock: 'cpu' },
  )
  const perRound = inputs.map((v) => hz.get(String(v.length))!)
  const us = perRound.map((h) => 1e6 / median(h))
  const step = (i: number) => median(perRound[i - 1]!.map((h, r) => h / perRound[i]![r]!))
  const [a, b] = [step(1), step(2)]
  console.log(
    `| ${name} | ${outcome[0]} | ${us.map((u) => u.toFixed(2)).join(' | ')} | ${a.toFixed(2)} | ${b.toFixed(2)} |`,
  )
  if (a > 8 || b > 8) {
    outcomes.push(`${name}: grows faster than linear (${a.toFixed(2)}×, ${b.toFixed(2)}×)`)
    process.exitCode = 1
  }
}
{
  const huge = `Bearer realm="${'a'.repeat(1 << 20)}"`
  const hz = await measureRounds([{ name: 'huge', fn: () => safeParseWwwAuthenticate(huge) }], {
    rounds: 3,
    time: 50,
    clock: 'cpu',
  })
  console.log(
    `\nA 1 MiB value at the default limit: rejected before it is read, in ` +
      `${(1e6 / median(hz.get('huge')!)).toFixed(2)} µs.`,
  )
}

console.log(`\n### Targets\n\n${outcomes.map((o) => `- ${o}`).join('\n')}`)
