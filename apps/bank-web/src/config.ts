/** Where the client finds the authorization server and the API (set at build time by Vite). */
export interface BankConfig {
  /** The authorization server's issuer identifier. */
  readonly issuer: string
  /** The bank API's base URL; its resource indicator is this URL with a trailing slash. */
  readonly api: string
  /** This client's `client_id` at the authorization server. */
  readonly clientId: string
}

declare const __BANK_CONFIG__: BankConfig

export const config: BankConfig = __BANK_CONFIG__
