import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/redis.ts', 'src/otel.ts'],
  format: ['esm'],
  target: 'es2022',
  dts: true,
  sourcemap: true,
  clean: true,
})
