import type {
  $strict,
  $ZodArray,
  $ZodEnum,
  $ZodObject,
  $ZodOptional,
  $ZodString,
} from 'zod/v4/core'
import { jsonEqual } from '../covers.js'
import {
  type AuthorizationDetailType,
  COMMON_ARRAY_FIELDS,
  defineAuthorizationDetailType,
  type InferAuthorizationDetail,
} from '../detail-type.js'
import { parseDetail } from '../validate.js'
import { array, oneOf, optional, strictObject, string } from './schema-kit.js'

/**
 * A parsed `payment_initiation` detail, as a registry with `paymentInitiationDetailType` returns
 * it.
 *
 * @example
 * ```ts
 * const details = createAuthorizationDetailsRegistry([paymentInitiationDetailType]).parse(form.get('authorization_details'))
 * ```
 */
export type PaymentInitiationDetail = InferAuthorizationDetail<typeof paymentInitiationDetailType>

const account = strictObject({ iban: optional(string()), bic: optional(string()) })

const schema: (typeof paymentInitiationDetailType)['schema'] = strictObject({
  actions: optional(array(oneOf(['initiate', 'status', 'cancel']))),
  instructedAmount: optional(
    strictObject({
      currency: string(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code'),
      amount: string(/^(?:0|[1-9]\d*)(?:\.\d+)?$/, 'amount must be a non-negative decimal string'),
    }),
  ),
  creditorName: optional(string()),
  creditorAccount: optional(account),
  remittanceInformationUnstructured: optional(string()),
})

/**
 * The RFC 9396 `payment_initiation` example type. A granted detail covers a requested one that
 * narrows it: every member the request names must match the grant (arrays as subsets, others
 * exactly) and members it leaves out are inherited, as in the audience-restriction example of
 * RFC 9396 §6.1.
 *
 * `instructedAmount.amount` is a non-negative decimal string (`"123.50"`, as printed in RFC 9396
 * §2); a JSON number is invalid. `covers` parses both sides with the schema first, so an invalid
 * request is never covered and an invalid grant covers nothing.
 *
 * @example
 * ```ts
 * import { paymentInitiationDetailType } from '@stepup/rar/types/payment-initiation'
 * const registry = createAuthorizationDetailsRegistry([paymentInitiationDetailType])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export const paymentInitiationDetailType: AuthorizationDetailType<
  'payment_initiation',
  $ZodObject<
    {
      actions: $ZodOptional<
        $ZodArray<$ZodEnum<{ initiate: 'initiate'; status: 'status'; cancel: 'cancel' }>>
      >
      instructedAmount: $ZodOptional<
        $ZodObject<{ currency: $ZodString; amount: $ZodString }, $strict>
      >
      creditorName: $ZodOptional<$ZodString>
      creditorAccount: $ZodOptional<
        $ZodObject<{ iban: $ZodOptional<$ZodString>; bic: $ZodOptional<$ZodString> }, $strict>
      >
      remittanceInformationUnstructured: $ZodOptional<$ZodString>
    },
    $strict
  >
> = defineAuthorizationDetailType({
  type: 'payment_initiation',
  description: 'Initiation of one payment (RFC 9396 §2 example).',
  schema,
  covers: (held, wanted) => {
    const granted = parseDetail<Record<string, unknown>>('payment_initiation', schema, held)
    const requested = parseDetail<Record<string, unknown>>('payment_initiation', schema, wanted)
    return (
      !!granted &&
      !!requested &&
      Object.entries(requested).every(([member, value]) => {
        const have = granted[member]
        if (!Object.hasOwn(granted, member)) return false
        if (COMMON_ARRAY_FIELDS.includes(member)) {
          return Array.isArray(have) && (value as unknown[]).every((entry) => have.includes(entry))
        }
        return jsonEqual(have, value, 16)
      })
    )
  },
})
