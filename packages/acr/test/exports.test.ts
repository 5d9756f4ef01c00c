import { expect, it } from 'vitest'
import * as main from '../src/index.js'

it('keeps presets and the amr constants out of the main entry (they have their own subpaths)', () => {
  expect(Object.keys(main).sort()).toEqual([
    'ACR_MOD_MF',
    'ACR_MOD_PR',
    'ACR_PHR',
    'ACR_PHRH',
    'BUILT_IN_ACR_DEFINITIONS',
    'createAcrRegistry',
    'intersectAcceptable',
  ])
})
