import { invalidArgument } from '@stepup/internal'
import { isLoopbackHost } from '@stepup/internal/step-up'

/**
 * The part of the `WindowProxy` returned by `window.open` that {@link createPopupStepUp} uses to
 * send the popup to the authorization server and see it close.
 *
 * @inline
 * @see https://html.spec.whatwg.org/multipage/nav-history-apis.html#dom-open
 */
export interface StepUpPopup {
  /** Whether the user (or the callback page) closed it. */
  readonly closed: boolean
  /** Closes it. */
  close(): void
  /** Where it is sent: the authorization request. */
  readonly location: {
    /** Navigates the popup to `url`. */
    replace(url: string): void
  }
}

/**
 * The part of `window` that `@stepup/client/browser` uses, passed as `window` to swap in an
 * object that behaves the same way (tests, other hosts).
 *
 * @inline
 * @see https://html.spec.whatwg.org/multipage/web-messaging.html#posting-messages
 */
export interface StepUpWindow {
  /** The page's address; `assign` navigates (the full-page redirect). */
  readonly location: {
    /** The page's URL. */
    readonly href: string
    /** The page's origin. */
    readonly origin: string
    /** Navigates this window to `url`. */
    assign(url: string): void
  }
  /** Where a full-page redirect keeps the pending step-up, per tab. */
  readonly sessionStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  /** The window that opened this one (the app, on the popup's callback page), or `null`. */
  readonly opener: {
    /** Posts `message` to the opener, delivered only if its origin is `targetOrigin`. */
    postMessage(message: unknown, targetOrigin: string): void
  } | null
  /** Opens the popup; `null` when the browser blocked it. */
  open(url: string, target: string, features: string): StepUpPopup | null
  /** Closes this window (the popup, once it has posted the callback). */
  close(): void
  /** Listens for the callback the popup posts. */
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  /** Stops listening. */
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  /** Polls whether the popup was closed. */
  setInterval(handler: () => void, timeout: number): number
  /** Stops polling. */
  clearInterval(id: number): void
}

/** @internal The `type` of the message the callback page posts to the opener. */
export const CALLBACK_MESSAGE = '@stepup/client:authorization-response'

/** @internal The `sessionStorage` key of a step-up pending across a full-page redirect. */
export const pendingKey = (state: string): string => `@stepup/client:pending:${state}`

/** @internal The window to use: the given one, else the global `window`. */
export function windowOf(given: StepUpWindow | undefined, where: string): StepUpWindow {
  const win = given ?? (globalThis as { window?: StepUpWindow }).window
  if (typeof win !== 'object' || win === null || typeof win.open !== 'function') {
    throw invalidArgument(
      `${where}: runs in a browser page (window, sessionStorage, popups); elsewhere pass { window } with the same behaviour`,
      { code: 'ERR_INVALID_ARG_TYPE' },
    )
  }
  return win
}

/** @internal Whether `url` is `https:`, or `http:` on loopback (development). */
export function isSecureUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url))
}
