// A copy of the README example (keep the two in sync), so that it is typechecked and run.
import {
  createStepUpChallenge,
  parseOAuthChallenge,
  parseWwwAuthenticate,
} from '@stepup/www-authenticate'
import { expect, test, vi } from 'vitest'

test('the README example runs as documented', () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})

  // Resource server: the token is valid, but its sign-in is too weak or too old.
  const header = createStepUpChallenge({ acr_values: ['phr'], max_age: 300 })
  // 'Bearer error="insufficient_user_authentication", acr_values="phr", max_age="300"'

  // Client: read every challenge (throws WwwAuthenticateParseError on a malformed header).
  for (const challenge of parseWwwAuthenticate(`Basic realm="bank", ${header}`)) {
    const oauth = parseOAuthChallenge(challenge)
    if (oauth.error === 'insufficient_user_authentication') {
      console.log(oauth.acr_values, oauth.max_age) // [ 'phr' ] 300
    }
  }

  expect(header).toBe(
    'Bearer error="insufficient_user_authentication", acr_values="phr", max_age="300"',
  )
  expect(log).toHaveBeenCalledTimes(1)
  expect(log).toHaveBeenCalledWith(['phr'], 300)
  log.mockRestore()
})
