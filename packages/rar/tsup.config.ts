import { defineConfig } from 'tsup'

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/types/payment-initiation.ts',
    'src/types/account-information.ts',
    'src/types/bank-transaction.ts',
  ],
  format: ['esm'],
  target: 'es2022',
  dts: true,
  sourcemap: true,
  clean: true,
})
