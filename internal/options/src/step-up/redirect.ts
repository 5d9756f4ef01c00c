/**
 * The next request of a redirect chain, as {@link nextRedirectHop} computes it.
 *
 * @example
 * ```ts
 * const hop = nextRedirectHop('https://api.example.com/transfers', 'POST', 303, '/transfers/7')
 * if (hop) await fetch(hop.url, { method: hop.method, redirect: 'manual' })
 * ```
 * @see https://fetch.spec.whatwg.org/#http-redirect-fetch
 */
export interface RedirectHop {
  /** The absolute URL to request next (`Location` resolved against the current URL). */
  readonly url: string
  /** The method of the next request. */
  readonly method: string
  /** Whether the body and its `Content-*` headers are dropped (the method became `GET`). */
  readonly dropBody: boolean
}

/** The most redirects followed for one request, as in the Fetch standard. */
export const MAX_REDIRECTS = 20

/**
 * Where a response redirects the request, by the Fetch standard's HTTP-redirect fetch, or
 * `undefined` when it does not redirect (not 301, 302, 303, 307 or 308, or no `Location`).
 *
 * `303` turns any method but `GET` and `HEAD` into `GET` without body, and so do `301` and `302`
 * after `POST`; `307` and `308` keep method and body. A `Location` that is not a URL, or not
 * `http:`/`https:`, throws a `TypeError` (fetch's network error). Shared by `@stepup/client`'s
 * `createStepUpFetch` and `@stepup/effect`'s `makeStepUpClient`, which follow redirects
 * themselves, one hop at a time, so that a step-up replays only the hop that was challenged.
 *
 * @example
 * ```ts
 * nextRedirectHop('https://api.example.com/transfers', 'POST', 303, '/transfers/7')
 * // { url: 'https://api.example.com/transfers/7', method: 'GET', dropBody: true }
 * ```
 * @see https://fetch.spec.whatwg.org/#http-redirect-fetch
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.4
 */
export function nextRedirectHop(
  url: string,
  method: string,
  status: number,
  location: string | null | undefined,
): RedirectHop | undefined {
  if (typeof location !== 'string' || !/^30[12378]$/.test(`${status}`)) return undefined
  let next: URL
  try {
    next = new URL(location, url)
  } catch {
    throw new TypeError('the redirect Location is not a URL')
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:') {
    throw new TypeError('the redirect Location is not an http: or https: URL')
  }
  const toGet =
    status === 303 ? method !== 'GET' && method !== 'HEAD' : status < 303 && method === 'POST'
  return { url: next.href, method: toGet ? 'GET' : method, dropBody: toGet }
}
