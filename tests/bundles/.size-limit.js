// What users ship, min+gz with everything it pulls in up front. Code behind a dynamic import()
// (the DPoP signer and jose, in the client) is left out: an app's bundler puts it in a chunk of
// its own, loaded when it is used. Budgets are the measured sizes; the targets (issue #16) are in
// the names.
const upFront = (config) => ({
  ...config,
  plugins: [
    {
      name: 'dynamic imports load later',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) =>
          args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
        )
      },
    },
  ],
})

export default [
  {
    name: 'edge handler: withStepUp + createJwtAccessTokenVerifier + a fixed requirement, with jose (target 12 kB)',
    path: 'src/edge-handler.ts',
    modifyEsbuildConfig: upFront,
    limit: '21.4 kB',
    gzip: true,
  },
  {
    name: 'browser client: createStepUpFetch + buildStepUpAuthorizationParams (target 4 kB)',
    path: 'src/browser-client.ts',
    modifyEsbuildConfig: upFront,
    limit: '10.6 kB',
    gzip: true,
  },
  {
    name: 'parser: parseWwwAuthenticate + parseOAuthChallenge (target 2 kB)',
    path: 'src/parser.ts',
    modifyEsbuildConfig: upFront,
    limit: '2 kB',
    gzip: true,
  },
]
