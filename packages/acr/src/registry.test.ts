import { describe, expect, it } from 'vitest'
import {
  ACR_MOD_MF,
  ACR_MOD_PR,
  ACR_PHR,
  ACR_PHRH,
  BUILT_IN_ACR_DEFINITIONS,
} from './acr-values.js'
import type { AcrDefinition } from './definition.js'
import { intersectAcceptable } from './intersect.js'
import { type AcrRegistryOptions, createAcrRegistry } from './registry.js'

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as { code?: unknown }).code
  }
  throw new Error('expected a TypeError')
}

const levels: AcrDefinition[] = [
  { value: 'urn:example:bronze' },
  { value: 'urn:example:silver', satisfies: ['urn:example:bronze'], aliases: ['silver'] },
  { value: 'urn:example:gold', satisfies: ['silver'] },
]

describe('built-ins', () => {
  const registry = createAcrRegistry()

  it('holds phr, phrh, mod-pr and mod-mf with summaries and sources', () => {
    expect(registry.values()).toEqual([ACR_PHR, ACR_PHRH, ACR_MOD_PR, ACR_MOD_MF])
    for (const value of registry.values()) {
      const definition = registry.get(value)
      expect(definition?.description).toMatch(/\S/)
      expect(definition?.source).toMatch(/^https:\/\/openid\.net\/specs\//)
    }
  })

  it('orders phrh above phr and mod-mf above mod-pr', () => {
    expect(registry.satisfies('phrh', ['phr'])).toBe(true)
    expect(registry.satisfies('phr', ['phrh'])).toBe(false)
    expect(registry.satisfies('mod-mf', ['mod-pr'])).toBe(true)
    expect(registry.satisfies('mod-pr', ['mod-mf'])).toBe(false)
  })

  it('relates nothing across the EAP and MODRNA families', () => {
    for (const a of ['phr', 'phrh']) {
      for (const b of ['mod-pr', 'mod-mf']) {
        expect(registry.satisfies(a, [b])).toBe(false)
        expect(registry.satisfies(b, [a])).toBe(false)
      }
    }
  })

  it('does not build in the URI spellings', () => {
    expect(
      registry.satisfies('mod-pr', [
        'http://schemas.openid.net/policies/modrna/phishing-resistant',
      ]),
    ).toBe(false)
    expect(registry.get('http://schemas.openid.net/pape/policies/2007/06/phishing-resistant')).toBe(
      undefined,
    )
  })

  it('leaves them out with defaults: false', () => {
    const bare = createAcrRegistry([], { defaults: false })
    expect(bare.values()).toEqual([])
    expect(bare.satisfies('phrh', ['phr'])).toBe(false)
    expect(bare.satisfies('phr', ['phr'])).toBe(true)
  })

  it('can be reused with defaults off, e.g. with an alias added', () => {
    const uri = 'http://schemas.openid.net/policies/modrna/phishing-resistant'
    const custom = createAcrRegistry(
      BUILT_IN_ACR_DEFINITIONS.map((d) => (d.value === 'mod-pr' ? { ...d, aliases: [uri] } : d)),
      { defaults: false },
    )
    expect(custom.satisfies('mod-mf', [uri])).toBe(true)
    expect(custom.satisfies(uri, ['mod-pr'])).toBe(true)
  })
})

describe('satisfies', () => {
  const registry = createAcrRegistry(levels)

  it('is true for an exact match and for a stronger class, transitively', () => {
    expect(registry.satisfies('urn:example:silver', ['urn:example:silver'])).toBe(true)
    expect(registry.satisfies('urn:example:gold', ['urn:example:silver'])).toBe(true)
    expect(registry.satisfies('urn:example:gold', ['urn:example:bronze'])).toBe(true)
    expect(registry.satisfies('urn:example:bronze', ['urn:example:silver'])).toBe(false)
  })

  it('treats an alias as its class, on either side', () => {
    expect(registry.satisfies('silver', ['urn:example:silver'])).toBe(true)
    expect(registry.satisfies('urn:example:silver', ['silver'])).toBe(true)
    expect(registry.satisfies('urn:example:gold', ['silver'])).toBe(true)
    expect(registry.satisfies('silver', ['urn:example:bronze'])).toBe(true)
    expect(registry.satisfies('silver', ['urn:example:gold'])).toBe(false)
  })

  it('is true when any one acceptable value is met', () => {
    expect(registry.satisfies('urn:example:silver', ['urn:example:gold', 'phr', 'silver'])).toBe(
      true,
    )
    expect(registry.satisfies('urn:example:silver', ['urn:example:gold', 'phr'])).toBe(false)
    expect(registry.satisfies('urn:example:gold', [])).toBe(false)
  })

  it('compares code points exactly: no case folding, trimming or normalisation', () => {
    expect(registry.satisfies('URN:EXAMPLE:GOLD', ['urn:example:gold'])).toBe(false)
    expect(registry.satisfies(' urn:example:gold', ['urn:example:gold'])).toBe(false)
    expect(registry.satisfies('urn:example:gold ', ['urn:example:bronze'])).toBe(false)
    expect(registry.satisfies('PHR', ['phr'])).toBe(false)
    expect(registry.satisfies('caf\u00e9', ['cafe\u0301'])).toBe(false)
  })

  it('lets an unknown value satisfy only itself', () => {
    expect(registry.satisfies('urn:other', ['urn:other'])).toBe(true)
    expect(registry.satisfies('urn:other', ['urn:example:bronze'])).toBe(false)
    expect(registry.satisfies('urn:example:gold', ['urn:other'])).toBe(false)
  })

  it('lets a non-string, missing or empty actual satisfy nothing', () => {
    for (const actual of [undefined, null, 1, true, {}, ['phr'], '']) {
      expect(registry.satisfies(actual, ['phr', '', 'urn:example:bronze'])).toBe(false)
    }
  })

  it('does not consult the prototype chain', () => {
    expect(registry.satisfies('__proto__', ['phr'])).toBe(false)
    expect(registry.satisfies('constructor', ['phr'])).toBe(false)
    expect(registry.satisfies('toString', ['toString'])).toBe(true)
  })

  it('rejects an acceptable list that is not an array (a string would match substrings)', () => {
    expect(codeOf(() => registry.satisfies('ph', 'phr' as unknown as string[]))).toBe(
      'ERR_INVALID_ARG_TYPE',
    )
  })

  it('works detached from the registry object', () => {
    const { satisfies } = registry
    expect(satisfies('phrh', ['phr'])).toBe(true)
  })
})

describe('expand', () => {
  const registry = createAcrRegistry(levels)

  it('lists the acceptable values first, then the stronger classes in registry order', () => {
    expect(registry.expand(['urn:example:bronze'])).toEqual([
      'urn:example:bronze',
      'urn:example:silver',
      'urn:example:gold',
    ])
    expect(registry.expand(['phr'])).toEqual(['phr', 'phrh'])
    expect(registry.expand(['mod-pr', 'phr'])).toEqual(['mod-pr', 'phr', 'phrh', 'mod-mf'])
  })

  it('keeps the given order and spelling and drops repeats', () => {
    expect(registry.expand(['silver', 'phrh', 'silver'])).toEqual([
      'silver',
      'phrh',
      'urn:example:gold',
    ])
  })

  it('keeps unknown values, which satisfy only themselves', () => {
    expect(registry.expand(['urn:other'])).toEqual(['urn:other'])
  })

  it('returns nothing for nothing', () => {
    expect(registry.expand([])).toEqual([])
  })

  it('rejects values that could not be sent in acr_values', () => {
    for (const bad of [['a b'], ['a"b'], ['a\\b'], [''], [1], 'phr']) {
      expect(codeOf(() => registry.expand(bad as unknown as string[]))).toBe('ERR_INVALID_ARG_TYPE')
    }
  })
})

describe('intersect and intersectAcceptable', () => {
  const registry = createAcrRegistry(levels)

  it('returns the values that satisfy every set', () => {
    expect(registry.intersect([['phr'], ['phrh', 'mod-mf']])).toEqual(['phrh'])
    expect(registry.intersect([['urn:example:bronze'], ['silver']])).toEqual([
      'silver',
      'urn:example:gold',
    ])
    expect(intersectAcceptable(registry, [['phr'], ['phrh']])).toEqual(['phrh'])
  })

  it('is the expansion for a single set', () => {
    expect(registry.intersect([['urn:example:bronze']])).toEqual(
      registry.expand(['urn:example:bronze']),
    )
  })

  it('is empty when nothing can satisfy them all', () => {
    expect(registry.intersect([['phr'], ['mod-pr']])).toEqual([])
    expect(registry.intersect([['urn:a'], ['urn:b']])).toEqual([])
    expect(registry.intersect([['phr'], []])).toEqual([])
  })

  it('keeps an unknown value only when every set lists it', () => {
    expect(registry.intersect([['urn:a', 'phr'], ['urn:a']])).toEqual(['urn:a'])
  })

  it('rejects an empty list of sets and malformed sets', () => {
    expect(codeOf(() => registry.intersect([]))).toBe('ERR_INVALID_ARG_VALUE')
    expect(codeOf(() => registry.intersect(['phr'] as unknown as string[][]))).toBe(
      'ERR_INVALID_ARG_TYPE',
    )
    expect(codeOf(() => registry.intersect([['a b']]))).toBe('ERR_INVALID_ARG_TYPE')
  })
})

describe('get and values', () => {
  const registry = createAcrRegistry(levels)

  it('finds a definition by value or alias', () => {
    expect(registry.get('silver')).toEqual({
      value: 'urn:example:silver',
      satisfies: ['urn:example:bronze'],
      aliases: ['silver'],
    })
    expect(registry.get('urn:example:silver')).toEqual(registry.get('silver'))
    expect(registry.get('urn:nope')).toBe(undefined)
    expect(registry.get('__proto__')).toBe(undefined)
  })

  it('lists values (not aliases) with built-ins first', () => {
    expect(registry.values()).toEqual([
      'phr',
      'phrh',
      'mod-pr',
      'mod-mf',
      'urn:example:bronze',
      'urn:example:silver',
      'urn:example:gold',
    ])
  })

  it('is immune to changes made to inputs and outputs', () => {
    const input: { value: string; satisfies: string[] }[] = [
      { value: 'a' },
      { value: 'b', satisfies: ['a'] },
    ] as { value: string; satisfies: string[] }[]
    const local = createAcrRegistry(input, { defaults: false })
    input[1]!.satisfies.pop()
    input[1]!.value = 'c'
    ;(local.get('b')!.satisfies as string[]).length = 0
    local.values().length = 0
    expect(local.satisfies('b', ['a'])).toBe(true)
    expect(local.get('b')).toEqual({ value: 'b', satisfies: ['a'], aliases: [] })
    expect(local.values()).toEqual(['a', 'b'])
    expect(Object.isFrozen(local)).toBe(true)
  })
})

describe('fromAmr', () => {
  const registry = createAcrRegistry([
    { value: 'urn:example:pwd', amr: { allOf: ['pwd'] } },
    {
      value: 'urn:example:mfa',
      satisfies: ['urn:example:pwd'],
      amr: { allOf: ['pwd'], anyOf: ['otp', 'sms', 'hwk'] },
    },
    { value: 'urn:example:key', satisfies: ['phrh'], amr: { allOf: ['hwk', 'pin'] } },
    { value: 'urn:example:any-bio', amr: { anyOf: ['fpt', 'face'] } },
  ])

  it('claims the classes whose rules match, and what they satisfy, in registry order', () => {
    expect(registry.fromAmr(['pwd'])).toEqual(['urn:example:pwd'])
    expect(registry.fromAmr(['otp', 'pwd'])).toEqual(['urn:example:pwd', 'urn:example:mfa'])
    expect(registry.fromAmr(['hwk', 'pin'])).toEqual(['phr', 'phrh', 'urn:example:key'])
    expect(registry.fromAmr(['face'])).toEqual(['urn:example:any-bio'])
  })

  it('needs every allOf method and one anyOf method', () => {
    expect(registry.fromAmr(['otp'])).toEqual([])
    expect(registry.fromAmr(['hwk'])).toEqual([])
    expect(registry.fromAmr([])).toEqual([])
    expect(registry.fromAmr(['PWD'])).toEqual([])
  })

  it('rejects a non-array', () => {
    expect(codeOf(() => registry.fromAmr('pwd' as unknown as string[]))).toBe(
      'ERR_INVALID_ARG_TYPE',
    )
  })
})

describe('creation errors', () => {
  it('rejects a cycle, including a self-reference', () => {
    expect(
      codeOf(() =>
        createAcrRegistry([
          { value: 'a', satisfies: ['c'] },
          { value: 'b', satisfies: ['a'] },
          { value: 'c', satisfies: ['b'] },
        ]),
      ),
    ).toBe('ERR_ACR_CYCLE')
    expect(codeOf(() => createAcrRegistry([{ value: 'a', satisfies: ['a'] }]))).toBe(
      'ERR_ACR_CYCLE',
    )
    expect(
      codeOf(() => createAcrRegistry([{ value: 'a', aliases: ['x'], satisfies: ['x'] }])),
    ).toBe('ERR_ACR_CYCLE')
  })

  it('rejects a reference to an undefined value', () => {
    expect(codeOf(() => createAcrRegistry([{ value: 'a', satisfies: ['b'] }]))).toBe(
      'ERR_ACR_UNKNOWN_REFERENCE',
    )
    expect(
      codeOf(() => createAcrRegistry([{ value: 'a', satisfies: ['phr'] }], { defaults: false })),
    ).toBe('ERR_ACR_UNKNOWN_REFERENCE')
  })

  it('rejects duplicate values and aliases, built-ins included', () => {
    expect(codeOf(() => createAcrRegistry([{ value: 'a' }, { value: 'a' }]))).toBe(
      'ERR_ACR_DUPLICATE',
    )
    expect(codeOf(() => createAcrRegistry([{ value: 'a' }, { value: 'b', aliases: ['a'] }]))).toBe(
      'ERR_ACR_DUPLICATE',
    )
    expect(codeOf(() => createAcrRegistry([{ value: 'a', aliases: ['a'] }]))).toBe(
      'ERR_ACR_DUPLICATE',
    )
    expect(codeOf(() => createAcrRegistry([{ value: 'phr' }]))).toBe('ERR_ACR_DUPLICATE')
    expect(codeOf(() => createAcrRegistry([{ value: 'x', aliases: ['phrh'] }]))).toBe(
      'ERR_ACR_DUPLICATE',
    )
    expect(createAcrRegistry([{ value: 'phr' }], { defaults: false }).values()).toEqual(['phr'])
  })

  it.each<[string, unknown]>([
    ['not an object', 'phr'],
    ['null', null],
    ['missing value', {}],
    ['empty value', { value: '' }],
    ['value with a space', { value: 'a b' }],
    ['value with a quote', { value: 'a"b' }],
    ['value with a backslash', { value: 'a\\b' }],
    ['value with a control character', { value: 'a\nb' }],
    ['non-ASCII value', { value: 'caf\u00e9' }],
    ['non-string description', { value: 'a', description: 1 }],
    ['non-string source', { value: 'a', source: {} }],
    ['satisfies not an array', { value: 'a', satisfies: 'phr' }],
    ['bad alias', { value: 'a', aliases: ['b c'] }],
    ['empty amr rule', { value: 'a', amr: {} }],
    ['empty allOf', { value: 'a', amr: { allOf: [] } }],
    ['empty anyOf', { value: 'a', amr: { allOf: ['pwd'], anyOf: [] } }],
    ['empty amr value', { value: 'a', amr: { allOf: [''] } }],
    ['amr not an object', { value: 'a', amr: 'pwd' }],
    ['amr an array', { value: 'a', amr: ['pwd'] }],
    ['an array', ['a']],
  ])('rejects a malformed definition: %s', (_, definition) => {
    expect(codeOf(() => createAcrRegistry([definition as AcrDefinition]))).toBe(
      'ERR_INVALID_ARG_VALUE',
    )
  })

  it.each<[string, unknown, string]>([
    [
      'a misspelt definition key',
      { value: 'a', satisfy: ['phr'] },
      'createAcrRegistry definitions[0]: unknown option "satisfy"',
    ],
    [
      'a singular definition key',
      { value: 'a', alias: ['b'] },
      'createAcrRegistry definitions[0]: unknown option "alias" (did you mean "aliases"?)',
    ],
    [
      'a definition key in another case',
      { value: 'a', Aliases: ['b'] },
      'createAcrRegistry definitions[0]: unknown option "Aliases" (did you mean "aliases"?)',
    ],
    [
      'an unknown amr rule key',
      { value: 'a', amr: { allOf: ['pwd'], noneOf: ['sms'] } },
      'createAcrRegistry definitions[0].amr: unknown option "noneOf"',
    ],
    [
      'a misspelt amr rule key, even when undefined',
      { value: 'a', amr: { allOf: ['pwd'], anyof: undefined } },
      'createAcrRegistry definitions[0].amr: unknown option "anyof" (did you mean "anyOf"?)',
    ],
    [
      'an own __proto__ key',
      JSON.parse('{"value":"a","__proto__":{"satisfies":["phr"]}}'),
      'createAcrRegistry definitions[0]: unknown option "__proto__"',
    ],
  ])('refuses %s with ERR_UNKNOWN_OPTION, naming it', (_, definition, message) => {
    expect(() => createAcrRegistry([definition as AcrDefinition])).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_UNKNOWN_OPTION', message }),
    )
  })

  it('refuses an unknown option key, naming the nearest known one', () => {
    for (const options of [{ default: false }, { defaults: false, extra: undefined }]) {
      expect(() => createAcrRegistry([], options as never)).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_UNKNOWN_OPTION' }),
      )
    }
    expect(() => createAcrRegistry([], { default: false } as never)).toThrow(
      'createAcrRegistry: unknown option "default" (did you mean "defaults"?)',
    )
    expect(codeOf(() => createAcrRegistry([], null as never))).toBe('ERR_INVALID_ARG_TYPE')
    expect(codeOf(() => createAcrRegistry([], false as never))).toBe('ERR_INVALID_ARG_TYPE')
  })

  it('keeps compile-time errors for unknown keys', () => {
    // @ts-expect-error: `satisfy` is not a key of AcrDefinition
    const definition: AcrDefinition = { value: 'a', satisfy: ['phr'] }
    // @ts-expect-error: `default` is not a key of AcrRegistryOptions
    const options: AcrRegistryOptions = { default: false }
    expect(codeOf(() => createAcrRegistry([definition], options))).toBe('ERR_UNKNOWN_OPTION')
  })

  it('rejects arguments of the wrong type', () => {
    expect(codeOf(() => createAcrRegistry('phr' as unknown as AcrDefinition[]))).toBe(
      'ERR_INVALID_ARG_TYPE',
    )
    expect(codeOf(() => createAcrRegistry([], { defaults: 'no' as unknown as boolean }))).toBe(
      'ERR_INVALID_ARG_TYPE',
    )
  })

  it('accepts explicitly undefined optional properties', () => {
    const registry = createAcrRegistry([
      { value: 'a', description: undefined, satisfies: undefined } as unknown as AcrDefinition,
    ])
    expect(registry.values()).toContain('a')
  })
})
