import { expect, test } from 'vitest'
import * as constants from './constants.js'

test('the error code constants are the registered wire strings', () => {
  expect({ ...constants }).toEqual({
    INSUFFICIENT_USER_AUTHENTICATION: 'insufficient_user_authentication',
    INVALID_TOKEN: 'invalid_token',
    INVALID_REQUEST: 'invalid_request',
    INSUFFICIENT_SCOPE: 'insufficient_scope',
    USE_DPOP_NONCE: 'use_dpop_nonce',
    INVALID_DPOP_PROOF: 'invalid_dpop_proof',
    INSUFFICIENT_CLAIMS: 'insufficient_claims',
    INSUFFICIENT_AUTHORIZATION_DETAILS: 'insufficient_authorization_details',
  })
})
