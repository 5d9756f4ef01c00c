import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AcrDefinition, createAcrRegistry } from '../src/index.js'

interface Dag {
  readonly definitions: AcrDefinition[]
  readonly edges: boolean[][] // edges[i][j]: class i directly satisfies class j (only j < i)
  readonly n: number
}

const spell = (i: number, alias: boolean): string => (alias ? `urn:alias:${i}` : `urn:v:${i}`)

// A random DAG: class i may satisfy any j < i; some classes have an alias; references may use
// either spelling; definitions come in a random order.
const dag: fc.Arbitrary<Dag> = fc
  .integer({ min: 1, max: 9 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), {
        minLength: n,
        maxLength: n,
      }),
      aliases: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      useAlias: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    }),
  )
  .map(({ n, edges, aliases, useAlias, order }) => {
    const e = edges.map((row, i) => row.map((on, j) => on && j < i))
    const definitions = order.map((i) => ({
      value: spell(i, false),
      ...(aliases[i] && { aliases: [spell(i, true)] }),
      satisfies: e[i]!.flatMap((on, j) => (on ? [spell(j, !!(aliases[j] && useAlias[j]))] : [])),
    }))
    return { definitions, edges: e, n }
  })

const reaches = ({ edges, n }: Dag, from: number, to: number): boolean => {
  const seen = new Set([from])
  const queue = [from]
  while (queue.length > 0) {
    const i = queue.shift()!
    for (let j = 0; j < n; j++) {
      if (edges[i]![j] && !seen.has(j)) {
        seen.add(j)
        queue.push(j)
      }
    }
  }
  return seen.has(to)
}

const known = (n: number): string[] => [...Array(n).keys()].map((i) => spell(i, false))

describe('ordering over random DAG registries', () => {
  it('matches reachability in the declared graph', () => {
    fc.assert(
      fc.property(dag, (g) => {
        const registry = createAcrRegistry(g.definitions, { defaults: false })
        for (let a = 0; a < g.n; a++) {
          for (let b = 0; b < g.n; b++) {
            expect(registry.satisfies(spell(a, false), [spell(b, false)])).toBe(reaches(g, a, b))
          }
        }
      }),
    )
  })

  it('is reflexive, transitive and antisymmetric', () => {
    fc.assert(
      fc.property(dag, (g) => {
        const registry = createAcrRegistry(g.definitions, { defaults: false })
        const values = known(g.n)
        const sat = (a: string, b: string) => registry.satisfies(a, [b])
        for (const a of values) {
          expect(sat(a, a)).toBe(true)
          for (const b of values) {
            if (a !== b) expect(sat(a, b) && sat(b, a)).toBe(false)
            for (const c of values) if (sat(a, b) && sat(b, c)) expect(sat(a, c)).toBe(true)
          }
        }
      }),
    )
  })

  it('treats an alias exactly like its value', () => {
    fc.assert(
      fc.property(dag, (g) => {
        const registry = createAcrRegistry(g.definitions, { defaults: false })
        for (const d of g.definitions) {
          for (const alias of d.aliases ?? []) {
            for (const other of known(g.n)) {
              expect(registry.satisfies(alias, [other])).toBe(registry.satisfies(d.value, [other]))
              expect(registry.satisfies(other, [alias])).toBe(registry.satisfies(other, [d.value]))
            }
          }
        }
      }),
    )
  })
})

describe('expand and intersect', () => {
  const subset = (n: number) =>
    fc.subarray([...known(n), 'urn:unknown:x'], { minLength: 0, maxLength: n + 1 })

  it('expand output always satisfies the input, and misses no satisfying class', () => {
    fc.assert(
      fc.property(
        dag.chain((g) => fc.tuple(fc.constant(g), subset(g.n))),
        ([g, acceptable]) => {
          const registry = createAcrRegistry(g.definitions, { defaults: false })
          const expanded = registry.expand(acceptable)
          expect(expanded.slice(0, acceptable.length)).toEqual(acceptable)
          for (const v of expanded) expect(registry.satisfies(v, acceptable)).toBe(true)
          for (const v of known(g.n)) {
            if (registry.satisfies(v, acceptable)) expect(expanded).toContain(v)
          }
          expect(new Set(expanded).size).toBe(expanded.length)
        },
      ),
    )
  })

  it('intersect output satisfies every set, and misses no class that does', () => {
    fc.assert(
      fc.property(
        dag.chain((g) =>
          fc.tuple(fc.constant(g), fc.array(subset(g.n), { minLength: 1, maxLength: 4 })),
        ),
        ([g, sets]) => {
          const registry = createAcrRegistry(g.definitions, { defaults: false })
          const result = registry.intersect(sets)
          for (const v of result) {
            for (const set of sets) expect(registry.satisfies(v, set)).toBe(true)
          }
          for (const v of known(g.n)) {
            if (sets.every((set) => registry.satisfies(v, set))) expect(result).toContain(v)
          }
        },
      ),
    )
  })
})

describe('cycles', () => {
  it('are always rejected', () => {
    fc.assert(
      fc.property(
        dag.chain((g) =>
          fc.tuple(fc.constant(g), fc.nat({ max: g.n - 1 }), fc.nat({ max: g.n - 1 })),
        ),
        ([g, x, y]) => {
          // Add a back edge low → high where high already reaches low (or a self-loop).
          const [low, high] = x <= y ? [x, y] : [y, x]
          const closes = low === high || reaches(g, high, low)
          const definitions = g.definitions.map((d) =>
            d.value === spell(low, false)
              ? { ...d, satisfies: [...(d.satisfies ?? []), spell(high, false)] }
              : d,
          )
          const create = () => createAcrRegistry(definitions, { defaults: false })
          if (closes) {
            expect(create).toThrow(expect.objectContaining({ code: 'ERR_ACR_CYCLE' }))
          } else {
            expect(create).not.toThrow()
          }
        },
      ),
    )
  })
})
