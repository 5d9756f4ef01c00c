import { evaluateRequest, type StepUpOptions } from '@stepup/fetch'
import { verifier } from './lib/step-up'

// At module scope: evaluateRequest builds (and checks) the guard once per options object.
const admin: StepUpOptions = {
  verify: verifier,
  requirement: { acr_values: ['phrh'], max_age: 60, scope: ['admin'] },
  realm: 'bank',
}

/**
 * Every /api/admin request needs the `admin` scope and a hardware-backed sign-in from the last
 * minute. Returning nothing lets the request go on to its route, as `NextResponse.next()` does;
 * otherwise the challenge is the response.
 */
export async function middleware(request: Request): Promise<Response | undefined> {
  const outcome = await evaluateRequest(request, admin)
  if (outcome.ok) return undefined
  // A request without credentials gets a bare challenge and no body (RFC 6750 §3.1).
  const body = outcome.body === null ? null : JSON.stringify(outcome.body)
  return new Response(body, { status: outcome.status, headers: outcome.headers })
}

export const config = { matcher: ['/api/admin/:path*'] }
