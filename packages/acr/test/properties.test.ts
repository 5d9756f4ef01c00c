import { checkProperty } from '@stepup/internal/property'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AcrDefinition, createAcrRegistry } from '../src/index.js'

interface Dag {
  readonly definitions: AcrDefinition[]
  readonly edges: boolean[][] // edges[i][j]: class i directly satisfies class j (only j < i)
  readonly n: number
}

const spell = (i: number, alias: boolean): string => (alias ? `urn:alias:${i}` : `urn:v:${i}`)

// A random DAG: class i may satisfy any j < i; some classes (one at least) have an alias;
// references may use
// either spelling; definitions come in a random order.
const dags = (minClasses: number): fc.Arbitrary<Dag> =>
  fc
    .integer({ min: minClasses, max: 9 })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), {
          minLength: n,
          maxLength: n,
        }),
        aliases: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        aliased: fc.nat({ max: n - 1 }),
        useAlias: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      }),
    )
    .map(({ n, edges, aliases: some, aliased, useAlias, order }) => {
      const aliases = some.map((on, i) => on || i === aliased) // at least one class has an alias
      const e = edges.map((row, i) => row.map((on, j) => on && j < i))
      const definitions = order.map((i) => ({
        value: spell(i, false),
        ...(aliases[i] && { aliases: [spell(i, true)] }),
        satisfies: e[i]!.flatMap((on, j) => (on ? [spell(j, !!(aliases[j] && useAlias[j]))] : [])),
      }))
      return { definitions, edges: e, n }
    })

const dag = dags(1)

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

/** The class index of a value spelling, or undefined for an unknown value. */
const indexOf = (value: string): number | undefined =>
  value.startsWith('urn:v:') ? Number(value.slice('urn:v:'.length)) : undefined

/** The oracle for satisfies(): equal, or the declared graph reaches one of the acceptable. */
const satisfiesInGraph = (g: Dag, actual: string, acceptable: readonly string[]): boolean => {
  const from = indexOf(actual)
  return (
    acceptable.includes(actual) ||
    (from !== undefined &&
      acceptable.some((a) => indexOf(a) !== undefined && reaches(g, from, indexOf(a)!)))
  )
}

describe('ordering over random DAG registries', () => {
  it('matches reachability in the declared graph', () => {
    checkProperty(
      fc.property(dag, (g) => {
        const registry = createAcrRegistry(g.definitions, { defaults: false })
        const pairs = [...Array(g.n).keys()].flatMap((a) =>
          [...Array(g.n).keys()].map((b) => [a, b]),
        )
        expect(
          pairs.map(([a, b]) => registry.satisfies(spell(a!, false), [spell(b!, false)])),
        ).toEqual(pairs.map(([a, b]) => reaches(g, a!, b!)))
      }),
    )
  })

  it('is reflexive, transitive and antisymmetric', () => {
    checkProperty(
      fc.property(dag, (g) => {
        const registry = createAcrRegistry(g.definitions, { defaults: false })
        const values = known(g.n)
        const sat = (a: string, b: string) => registry.satisfies(a, [b])
        const pairs = values.flatMap((a) => values.map((b) => [a, b] as const))
        const triples = pairs.flatMap(([a, b]) => values.map((c) => [a, b, c] as const))
        expect({
          notReflexive: values.filter((a) => !sat(a, a)),
          notAntisymmetric: pairs.filter(([a, b]) => a !== b && sat(a, b) && sat(b, a)),
          notTransitive: triples.filter(([a, b, c]) => sat(a, b) && sat(b, c) && !sat(a, c)),
        }).toEqual({ notReflexive: [], notAntisymmetric: [], notTransitive: [] })
      }),
    )
  })

  it('treats an alias exactly like its value', () => {
    checkProperty(
      fc.property(dag, (g) => {
        const registry = createAcrRegistry(g.definitions, { defaults: false })
        const aliased = g.definitions.flatMap((d) =>
          (d.aliases ?? []).map((alias) => ({ alias, i: indexOf(d.value)! })),
        )
        const others = [...Array(g.n).keys()]
        expect(
          aliased.map(({ alias }) =>
            others.map((o) => [
              registry.satisfies(alias, [spell(o, false)]),
              registry.satisfies(spell(o, false), [alias]),
            ]),
          ),
        ).toEqual(aliased.map(({ i }) => others.map((o) => [reaches(g, i, o), reaches(g, o, i)])))
      }),
    )
  })
})

describe('expand and intersect', () => {
  const subset = (n: number) =>
    fc.subarray([...known(n), 'urn:unknown:x'], { minLength: 0, maxLength: n + 1 })

  it('expand lists the input, then every other class that satisfies it, in registry order', () => {
    checkProperty(
      fc.property(
        dag.chain((g) => fc.tuple(fc.constant(g), subset(g.n))),
        ([g, acceptable]) => {
          const registry = createAcrRegistry(g.definitions, { defaults: false })
          const others = g.definitions
            .map((d) => d.value)
            .filter((v) => !acceptable.includes(v) && satisfiesInGraph(g, v, acceptable))
          expect(registry.expand(acceptable)).toEqual([...acceptable, ...others])
        },
      ),
    )
  })

  it('intersect lists exactly the values that satisfy every set, spelled ones first', () => {
    checkProperty(
      fc.property(
        dag.chain((g) =>
          fc.tuple(fc.constant(g), fc.array(subset(g.n), { minLength: 1, maxLength: 4 })),
        ),
        ([g, sets]) => {
          const registry = createAcrRegistry(g.definitions, { defaults: false })
          const listed = [...new Set(sets.flat())]
          const candidates = [
            ...listed,
            ...g.definitions.map((d) => d.value).filter((v) => !listed.includes(v)),
          ]
          expect(registry.intersect(sets)).toEqual(
            candidates.filter((v) => sets.every((set) => satisfiesInGraph(g, v, set))),
          )
        },
      ),
    )
  })
})

describe('cycles', () => {
  /** The declared definitions with one more edge: class `from` also satisfies class `to`. */
  const withEdge = (g: Dag, from: number, to: number): AcrDefinition[] =>
    g.definitions.map((d) =>
      d.value === spell(from, false)
        ? { ...d, satisfies: [...(d.satisfies ?? []), spell(to, false)] }
        : d,
    )

  it('are rejected: an edge to a class that already reaches back (or to itself)', () => {
    // Pick `to`, then `from` among the classes `to` reaches (itself included): the edge closes.
    const closing = dag.chain((g) =>
      fc
        .nat({ max: g.n - 1 })
        .chain((to) =>
          fc.tuple(
            fc.constant(g),
            fc.constantFrom(...[...Array(g.n).keys()].filter((from) => reaches(g, to, from))),
            fc.constant(to),
          ),
        ),
    )
    checkProperty(
      fc.property(closing, ([g, from, to]) => {
        expect(() => createAcrRegistry(withEdge(g, from, to), { defaults: false })).toThrow(
          expect.objectContaining({ code: 'ERR_ACR_CYCLE' }),
        )
      }),
    )
  })

  it('are not reported for an edge to a class that does not reach back', () => {
    // Any class may satisfy one that does not reach it; with two classes or more there is one.
    const open = dags(2).chain((g) => {
      const pairs = [...Array(g.n).keys()].flatMap((from) =>
        [...Array(g.n).keys()]
          .filter((to) => to !== from && !reaches(g, to, from))
          .map((to) => [from, to] as const),
      )
      return fc.tuple(fc.constant(g), fc.constantFrom(...pairs))
    })
    checkProperty(
      fc.property(open, ([g, [from, to]]) => {
        expect(() => createAcrRegistry(withEdge(g, from, to), { defaults: false })).not.toThrow()
      }),
    )
  })
})
