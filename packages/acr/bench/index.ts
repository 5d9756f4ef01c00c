import { createAcrRegistry } from '@stepup/acr'
import { eidas } from '@stepup/acr/presets/eidas'
import { entra } from '@stepup/acr/presets/entra'
import { compare } from 'bench-kit'

const registry = createAcrRegistry([...eidas, ...entra])
const acceptable = ['http://eidas.europa.eu/LoA/substantial', 'phr']
// Rotating inputs so the engine cannot fold the call away: a transitive hit, an exact hit, a
// miss, an unknown value and a missing claim.
const actuals: unknown[] = [
  'http://eidas.europa.eu/LoA/high',
  'phr',
  'mod-mf',
  'urn:unknown',
  undefined,
]
let k = 0
let sink = 0

const rows = await compare(
  'satisfies(acr, acr_values): precomputed closure vs plain string equality',
  [
    {
      name: 'naive string equality (acceptable.includes)',
      fn: () => {
        const actual = actuals[k++ % actuals.length]
        sink += typeof actual === 'string' && acceptable.includes(actual) ? 1 : 0
      },
    },
    {
      name: '@stepup/acr registry.satisfies',
      fn: () => {
        sink += registry.satisfies(actuals[k++ % actuals.length], acceptable) ? 1 : 0
      },
    },
  ],
  { baseline: 'naive string equality (acceptable.includes)' },
)

const ours = rows.find((r) => r.name.startsWith('@stepup'))!
console.log(
  `\nregistry.satisfies: ${Math.round(ours.opsPerSecond).toLocaleString('en-US')} ops/s ` +
    `(${ours.ratio.toFixed(2)}× the naive baseline; target ≥ 2,000,000 ops/s) [sink ${sink > 0}]`,
)
