// The step-up challenge round trip, as a resource server and a client see it.
import {
  createStepUpChallenge,
  parseOAuthChallenge,
  parseWwwAuthenticate,
} from '@stepup/www-authenticate'

const header = createStepUpChallenge({
  acr_values: ['phr'],
  max_age: 300,
  error_description: 'A $10,000 transfer needs a phishing-resistant sign-in within 5 minutes',
  resource_metadata: 'https://bank.example/.well-known/oauth-protected-resource',
})

console.log('Resource server answers 401 with:')
console.log(`  WWW-Authenticate: ${header}\n`)

const [challenge] = parseWwwAuthenticate(header)
if (!challenge) throw new Error('the challenge did not parse back')
const oauth = parseOAuthChallenge(challenge)

console.log('The client reads it back as:')
console.log(`  scheme:      ${oauth.scheme}`)
console.log(`  error:       ${oauth.error}`)
console.log(`  acr_values:  ${JSON.stringify(oauth.acr_values)}`)
console.log(`  max_age:     ${oauth.max_age}`)
console.log(`  description: ${oauth.error_description}`)

const ok =
  oauth.error === 'insufficient_user_authentication' &&
  oauth.acr_values?.join(' ') === 'phr' &&
  oauth.max_age === 300 &&
  oauth.invalid.length === 0
console.log(ok ? '\nRound trip OK.' : '\nRound trip FAILED.')
process.exitCode = ok ? 0 : 1
