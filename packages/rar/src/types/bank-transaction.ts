import { compareDecimalStrings } from '@stepup/internal'
import type { $strict, $ZodObject, $ZodString } from 'zod/v4/core'
import { coversCommonFields } from '../covers.js'
import {
  type AuthorizationDetailType,
  defineAuthorizationDetailType,
  type InferAuthorizationDetail,
} from '../detail-type.js'
import { parseDetail } from '../validate.js'
import { strictObject, string } from './schema-kit.js'

/**
 * A parsed `urn:bank:params:oauth:request:transaction` detail, as a registry with
 * `bankTransactionDetailType` returns it.
 *
 * @example
 * ```ts
 * const details = createAuthorizationDetailsRegistry([bankTransactionDetailType]).parse(form.get('authorization_details'))
 * ```
 */
export type BankTransactionDetail = InferAuthorizationDetail<typeof bankTransactionDetailType>

const TYPE = 'urn:bank:params:oauth:request:transaction'

const schema: (typeof bankTransactionDetailType)['schema'] = strictObject({
  transaction: strictObject({
    amount: string(/^(?:0|[1-9]\d*)(?:\.\d+)?$/, 'amount must be a non-negative decimal string'),
    currency: string(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code'),
    destination_account: string(),
  }),
})

/**
 * The bank transfer type `urn:bank:params:oauth:request:transaction`: a granted transfer covers a
 * requested one with the same currency and destination account and an amount no larger (compared
 * as decimal strings), provided the common fields are covered too.
 *
 * `transaction.amount` is a non-negative decimal string (`"10000.00"`, as in the RFC 9396
 * examples); a JSON number, a sign, an exponent or a leading zero is invalid. `covers` parses both
 * sides with the schema first, so a detail that is itself invalid (a `"-5000"` request, a
 * malformed currency) is never covered and an invalid grant covers nothing.
 *
 * @example
 * ```ts
 * import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
 * const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
 * registry.covers(granted, [{ type: 'urn:bank:params:oauth:request:transaction', transaction: { amount: '10000', currency: 'EUR', destination_account: 'DE02100100109307118603' } }])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6.1
 */
export const bankTransactionDetailType: AuthorizationDetailType<
  'urn:bank:params:oauth:request:transaction',
  $ZodObject<
    {
      transaction: $ZodObject<
        { amount: $ZodString; currency: $ZodString; destination_account: $ZodString },
        $strict
      >
    },
    $strict
  >
> = defineAuthorizationDetailType({
  type: TYPE,
  description:
    'A transfer of transaction.amount (decimal string) in transaction.currency to transaction.destination_account.',
  schema,
  covers: (held, wanted) => {
    const granted = parseDetail<BankTransactionDetail>(TYPE, schema, held)
    const requested = parseDetail<BankTransactionDetail>(TYPE, schema, wanted)
    return (
      !!granted &&
      !!requested &&
      coversCommonFields(granted, requested) &&
      granted.transaction.currency === requested.transaction.currency &&
      granted.transaction.destination_account === requested.transaction.destination_account &&
      compareDecimalStrings(requested.transaction.amount, granted.transaction.amount) <= 0
    )
  },
})
