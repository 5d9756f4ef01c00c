// The subpath exports as the README lists them, imported by their published names.
import { createAuthorizationDetailsRegistry, type InferAuthorizationDetail } from '@stepup/rar'
import type { AccountInformationDetail } from '@stepup/rar/types/account-information'
import * as accountInformation from '@stepup/rar/types/account-information'
import type { BankTransactionDetail } from '@stepup/rar/types/bank-transaction'
import * as bankTransaction from '@stepup/rar/types/bank-transaction'
import type { PaymentInitiationDetail } from '@stepup/rar/types/payment-initiation'
import * as paymentInitiation from '@stepup/rar/types/payment-initiation'
import { expect, expectTypeOf, it } from 'vitest'

it('each subpath exports one type definition, as the README says', () => {
  expect(Object.keys(paymentInitiation)).toEqual(['paymentInitiationDetailType'])
  expect(Object.keys(accountInformation)).toEqual(['accountInformationDetailType'])
  expect(Object.keys(bankTransaction)).toEqual(['bankTransactionDetailType'])
  expect(paymentInitiation.paymentInitiationDetailType.type).toBe('payment_initiation')
  expect(accountInformation.accountInformationDetailType.type).toBe('account_information')
  expect(bankTransaction.bankTransactionDetailType.type).toBe(
    'urn:bank:params:oauth:request:transaction',
  )
})

it('README subpath example', () => {
  const { accountInformationDetailType } = accountInformation
  const { paymentInitiationDetailType } = paymentInitiation
  // --- README subpath example ---
  const registry = createAuthorizationDetailsRegistry([
    paymentInitiationDetailType,
    accountInformationDetailType,
  ])
  // --- end of README subpath example ---
  expect(registry.typesSupported()).toEqual(['payment_initiation', 'account_information'])
  expectTypeOf(registry.parse('[]')).toEqualTypeOf<
    (PaymentInitiationDetail | AccountInformationDetail)[]
  >()
})

it('each subpath exports the type of a parsed detail, the one its type definition infers', () => {
  expectTypeOf<PaymentInitiationDetail>().toEqualTypeOf<
    InferAuthorizationDetail<typeof paymentInitiation.paymentInitiationDetailType>
  >()
  expectTypeOf<AccountInformationDetail>().toEqualTypeOf<
    InferAuthorizationDetail<typeof accountInformation.accountInformationDetailType>
  >()
  expectTypeOf<BankTransactionDetail>().toEqualTypeOf<
    InferAuthorizationDetail<typeof bankTransaction.bankTransactionDetailType>
  >()
  expectTypeOf<PaymentInitiationDetail['type']>().toEqualTypeOf<'payment_initiation'>()
  expectTypeOf<PaymentInitiationDetail['actions']>().toEqualTypeOf<
    ('initiate' | 'status' | 'cancel')[] | undefined
  >()
  expectTypeOf<AccountInformationDetail['recurringIndicator']>().toEqualTypeOf<
    boolean | undefined
  >()
  expectTypeOf<BankTransactionDetail['transaction']>().toEqualTypeOf<{
    amount: string
    currency: string
    destination_account: string
  }>()
  const registry = createAuthorizationDetailsRegistry([bankTransaction.bankTransactionDetailType])
  const [detail] = registry.parse(
    '[{"type":"urn:bank:params:oauth:request:transaction","transaction":{"amount":"1","currency":"EUR","destination_account":"x"}}]',
  )
  expectTypeOf(detail!).toEqualTypeOf<BankTransactionDetail>()
  expect(detail?.transaction.amount).toBe('1')
})
