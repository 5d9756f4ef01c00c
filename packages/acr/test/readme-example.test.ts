import { expect, it } from 'vitest'
// README example, kept in sync by hand so it is typechecked and run.
import { createAcrRegistry } from '../src/index.js'
import { EIDAS_LOA_SUBSTANTIAL, eidas } from '../src/presets/eidas.js'

it('runs the README example', () => {
  const acr = createAcrRegistry([
    ...eidas,
    { value: 'urn:example:bank:pwd', amr: { allOf: ['pwd'] } },
    {
      value: 'urn:example:bank:sca',
      satisfies: ['urn:example:bank:pwd', EIDAS_LOA_SUBSTANTIAL],
      amr: { allOf: ['pwd'], anyOf: ['otp', 'hwk'] },
    },
  ])

  // Resource server: is the token's acr good enough? What goes in the challenge?
  acr.satisfies('phrh', ['phr']) // true: phrh satisfies phr
  acr.satisfies('urn:example:bank:sca', [EIDAS_LOA_SUBSTANTIAL]) // true
  acr.expand(['urn:example:bank:pwd']) // ['urn:example:bank:pwd', 'urn:example:bank:sca']

  // Authorization server: which classes may this login claim?
  acr.fromAmr(['pwd', 'otp']) // [eIDAS low, eIDAS substantial, bank:pwd, bank:sca]

  expect(acr.satisfies('phrh', ['phr'])).toBe(true)
  expect(acr.satisfies('urn:example:bank:sca', [EIDAS_LOA_SUBSTANTIAL])).toBe(true)
  expect(acr.expand(['urn:example:bank:pwd'])).toEqual([
    'urn:example:bank:pwd',
    'urn:example:bank:sca',
  ])
  expect(acr.fromAmr(['pwd', 'otp'])).toEqual([
    'http://eidas.europa.eu/LoA/low',
    'http://eidas.europa.eu/LoA/substantial',
    'urn:example:bank:pwd',
    'urn:example:bank:sca',
  ])
})
