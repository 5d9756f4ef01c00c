import type {
  $strict,
  $ZodArray,
  $ZodBoolean,
  $ZodEnum,
  $ZodObject,
  $ZodOptional,
  $ZodString,
} from 'zod/v4/core'
import {
  type AuthorizationDetailType,
  defineAuthorizationDetailType,
  type InferAuthorizationDetail,
} from '../detail-type.js'
import { array, boolean, oneOf, optional, strictObject, string } from './schema-kit.js'

/**
 * A parsed `account_information` detail, as a registry with `accountInformationDetailType`
 * returns it.
 *
 * @example
 * ```ts
 * const details = createAuthorizationDetailsRegistry([accountInformationDetailType]).parse(form.get('authorization_details'))
 * ```
 */
export type AccountInformationDetail = InferAuthorizationDetail<typeof accountInformationDetailType>

const references = optional(
  array(strictObject({ iban: optional(string()), maskedPan: optional(string()) })),
)

const schema: (typeof accountInformationDetailType)['schema'] = strictObject({
  actions: optional(array(oneOf(['list_accounts', 'read_balances', 'read_transactions']))),
  access: optional(
    strictObject({ accounts: references, balances: references, transactions: references }),
  ),
  recurringIndicator: optional(boolean()),
})

/**
 * The RFC 9396 `account_information` example type, including the enriched `access` form of §7.1;
 * it uses the default conservative comparison.
 *
 * @example
 * ```ts
 * import { accountInformationDetailType } from '@stepup/rar/types/account-information'
 * const registry = createAuthorizationDetailsRegistry([accountInformationDetailType])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-7.1
 */
export const accountInformationDetailType: AuthorizationDetailType<
  'account_information',
  $ZodObject<
    {
      actions: $ZodOptional<
        $ZodArray<
          $ZodEnum<{
            list_accounts: 'list_accounts'
            read_balances: 'read_balances'
            read_transactions: 'read_transactions'
          }>
        >
      >
      access: $ZodOptional<
        $ZodObject<
          {
            [Kind in 'accounts' | 'balances' | 'transactions']: $ZodOptional<
              $ZodArray<
                $ZodObject<
                  { iban: $ZodOptional<$ZodString>; maskedPan: $ZodOptional<$ZodString> },
                  $strict
                >
              >
            >
          },
          $strict
        >
      >
      recurringIndicator: $ZodOptional<$ZodBoolean>
    },
    $strict
  >
> = defineAuthorizationDetailType({
  type: 'account_information',
  description: 'Access to account lists, balances and transactions (RFC 9396 §2 example).',
  schema,
})
