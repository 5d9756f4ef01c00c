import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A challenge as oauth4webapi returns it. */
export interface Oauth4webapiChallenge {
  scheme: string
  parameters: Record<string, string>
  token68?: string
}

export interface LoadedParser {
  /** oauth4webapi's own `parseWwwAuthenticateChallenges(response)`, unchanged. */
  readonly parse: (response: Response) => Oauth4webapiChallenge[] | undefined
  /** Installed version, from its package.json. */
  readonly version: string
  /** Where the function was read from. */
  readonly file: string
  /** The top-level declarations that were read, in order. */
  readonly names: readonly string[]
  /** Characters of source evaluated. */
  readonly length: number
}

/** The parser and what it refers to at the top level of oauth4webapi's module. */
const NAMES = [
  'looseInstanceOf',
  'ERR_INVALID_ARG_TYPE',
  'CodedTypeError',
  'tokenMatch',
  'token68Match',
  'quotedMatch',
  'quotedParamMatcher',
  'paramMatcher',
  'schemeRE',
  'quotedParamRE',
  'unquotedParamRE',
  'token68ParamRE',
  'parseWwwAuthenticateChallenges',
] as const

/**
 * Cuts one top-level declaration out of a tsc-emitted module: from `function NAME(` or
 * `const NAME =` at the start of a line up to the next line that starts a new top-level statement
 * (tsc indents everything inside a declaration, and closes blocks with `}` at column 0).
 */
function declaration(source: string, name: string): string {
  const start = new RegExp(`^(?:function ${name}\\(|const ${name} = )`, 'm').exec(source)
  if (start === null) throw new Error(`oauth4webapi: no top-level declaration of ${name}`)
  const body = source.indexOf('\n', start.index) + 1
  const end = /^[A-Za-z]/m.exec(source.slice(body))
  return source.slice(start.index, end === null ? source.length : body + end.index)
}

/**
 * oauth4webapi does not export its `WWW-Authenticate` parser, and no module of the package
 * re-exports it. This reads the installed `build/index.js`, cuts out `parseWwwAuthenticateChallenges`
 * and the top-level declarations it refers to, and evaluates exactly that text with
 * `new Function`: the peer's own function, byte for byte, without the `processUserInfoResponse`
 * path around it.
 */
export function loadOauth4webapiParser(): LoadedParser {
  const entry = fileURLToPath(import.meta.resolve('oauth4webapi'))
  const root = join(dirname(entry), '..')
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string
  }
  const source = readFileSync(entry, 'utf8')
  const text = NAMES.map((name) => declaration(source, name)).join('')
  const parse = new Function(`${text}\nreturn parseWwwAuthenticateChallenges`)() as (
    response: Response,
  ) => Oauth4webapiChallenge[] | undefined
  return { parse, version, file: entry, names: NAMES, length: text.length }
}
