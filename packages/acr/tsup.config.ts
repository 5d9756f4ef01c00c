import { defineConfig } from 'tsup'

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/amr.ts',
    'src/presets/eidas.ts',
    'src/presets/entra.ts',
    'src/presets/keycloak.ts',
    'src/presets/okta.ts',
    'src/presets/pape.ts',
  ],
  format: ['esm'],
  target: 'es2022',
  dts: true,
  sourcemap: true,
  clean: true,
})
