import { createAuthorizationDetailsRegistry, encodeAuthorizationDetails } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { compare } from 'bench-kit'
import * as z from 'zod'

const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
const detail = {
  type: 'urn:bank:params:oauth:request:transaction',
  actions: ['initiate'],
  locations: ['https://bank.example/transfers'],
  transaction: {
    amount: '10000.00',
    currency: 'EUR',
    destination_account: 'DE02100100109307118603',
  },
}
const text = encodeAuthorizationDetails([detail])
const plain = z.array(
  z.strictObject({
    type: z.literal('urn:bank:params:oauth:request:transaction'),
    actions: z.array(z.string()).optional(),
    locations: z.array(z.string()).optional(),
    transaction: z.strictObject({
      amount: z.string().regex(/^(?:0|[1-9]\d*)(?:\.\d+)?$/),
      currency: z.string().regex(/^[A-Z]{3}$/),
      destination_account: z.string().min(1),
    }),
  }),
)

await compare(
  'parse the bank transfer detail (JSON text)',
  [
    { name: '@stepup/rar registry.parse(text)', fn: () => registry.parse(text) },
    { name: 'JSON.parse + hand-written zod schema', fn: () => plain.parse(JSON.parse(text)) },
  ],
  { baseline: 'JSON.parse + hand-written zod schema' },
)

const granted = registry.parse(text)
const smaller = registry.parse(text.replace('10000.00', '9999.99'))
const larger = registry.parse(text.replace('10000.00', '10000.01'))
await compare(
  'covers (bank transfer, amount comparison)',
  [
    { name: 'covers: smaller amount (covered)', fn: () => registry.covers(granted, smaller) },
    { name: 'covers: larger amount (not covered)', fn: () => registry.covers(granted, larger) },
  ],
  { baseline: 'covers: smaller amount (covered)' },
)
