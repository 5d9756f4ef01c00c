import type { AuthorizationDetailsError, AuthorizationDetailsRegistry } from '@stepup/rar'
import { isErrorDescription } from '@stepup/www-authenticate'
import type {
  AuthorizationDetail,
  AuthorizationDetailsForIntrospection,
  KoaContextWithOIDC,
  RichAuthorizationRequestsActiveConfiguration,
} from 'oidc-provider'
import { errors } from 'oidc-provider'
import type { TransactionConfirmations } from './transaction.ts'

/** An @stepup/rar registry: what validates and compares `authorization_details` here. */
export type AuthorizationDetailsValidator = Pick<
  AuthorizationDetailsRegistry,
  'safeParse' | 'covers' | 'typesSupported'
>

/** An `error_description` is ASCII without `"` or `\` (RFC 6749 §5.2); keep it short too. */
function describe(issues: AuthorizationDetailsError['issues']): string {
  const text = issues
    .slice(0, 3)
    .map((issue) => `authorization_details[${issue.path.join('][')}]: ${issue.message}`)
    .join('; ')
  return text
    .split('')
    .map((c) => (isErrorDescription(c) ? c : '?'))
    .join('')
    .slice(0, 300)
}

function parseOrThrow(
  registry: AuthorizationDetailsValidator,
  input: unknown,
): readonly AuthorizationDetail[] {
  const result = registry.safeParse(input)
  if (!result.success) throw new errors.InvalidAuthorizationDetails(describe(result.error.issues))
  return result.data as AuthorizationDetail[]
}

type RarFeature = RichAuthorizationRequestsActiveConfiguration & {
  authorizationDetailsForIntrospection: AuthorizationDetailsForIntrospection
}

/**
 * The `features.richAuthorizationRequests` configuration: every type known to the `@stepup/rar`
 * registry, validated by it (RFC 9396 §5); details granted at consent are stored in the code for
 * exactly the details requested; the access token gets the granted details, or the subset a
 * token request names if the grant covers it (§6), and only for the resource they belong to.
 *
 * Details are not renewed by a refresh token: a transaction authorization is meant to be used
 * once, so a refreshed access token carries none, and asking for them there is
 * `invalid_authorization_details`.
 *
 * When a code is issued, `confirmations` learns whether the interaction that led to it confirmed
 * exactly these details with a security key (see `TransactionConfirmations.record`).
 */
export function richAuthorizationRequests(
  registry: AuthorizationDetailsValidator,
  resource: string,
  confirmations?: TransactionConfirmations,
): RarFeature {
  const types = Object.fromEntries(
    registry.typesSupported().map((type) => [
      type,
      {
        validate(_ctx: KoaContextWithOIDC, detail: AuthorizationDetail): void {
          parseOrThrow(registry, [detail])
        },
      },
    ]),
  )
  return {
    enabled: true,
    types,
    async authorizationDetailsForGrantSource(ctx, source) {
      const text = ctx.oidc.params?.['authorization_details']
      if (typeof text !== 'string') return undefined
      const requested = parseOrThrow(registry, text)
      const granted = ctx.oidc.grant?.rar ?? []
      if (!registry.covers(granted as never, requested as never).covered) {
        throw new errors.AccessDenied('authorization_details were not approved by the End-User')
      }
      await confirmations?.record(ctx.oidc.result, source as never, requested)
      return requested
    },
    authorizationDetailsForAccessToken(ctx, token, source, grantType) {
      const text = ctx.oidc.params?.['authorization_details']
      const granted = grantType === 'authorization_code' ? source?.rar : undefined
      if (!granted?.length) {
        if (typeof text === 'string') {
          throw new errors.InvalidAuthorizationDetails(
            grantType === 'refresh_token'
              ? 'authorization_details are not renewed by a refresh token'
              : 'no authorization_details were granted',
          )
        }
        return undefined
      }
      const audience = (token as { resourceServer?: { identifier(): string } }).resourceServer
      if (audience?.identifier() !== resource) return undefined
      if (typeof text !== 'string') return granted
      const requested = parseOrThrow(registry, text)
      if (!registry.covers(granted as never, requested as never).covered) {
        throw new errors.InvalidAuthorizationDetails(
          'requested authorization_details are not covered by the grant',
        )
      }
      return requested
    },
    authorizationDetailsForIntrospection(_ctx, token) {
      return token.rar
    },
  }
}
