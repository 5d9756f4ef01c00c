/** Values the `@example` blocks take as given, typed so their use is checked. */
declare const request: Request
declare const token: string
