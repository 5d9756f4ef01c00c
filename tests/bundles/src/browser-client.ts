// A browser client: a step-up-aware fetch that turns a challenge into the next authorization
// request (Bearer tokens, no DPoP).
import { buildStepUpAuthorizationParams, createStepUpFetch } from '@stepup/client'

export const api = createStepUpFetch({
  allowedOrigins: ['https://api.example.com'],
  getAccessToken: () => sessionStorage.getItem('access_token') ?? '',
  stepUp: async (challenge) => {
    const params = buildStepUpAuthorizationParams(challenge, { currentScope: 'openid accounts' })
    location.assign(
      `https://as.example.com/authorize?${new URLSearchParams(params as Record<string, string>)}`,
    )
    return new Promise<string>(() => {})
  },
})
