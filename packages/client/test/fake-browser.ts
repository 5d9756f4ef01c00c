import type { StepUpPopup, StepUpWindow } from '../src/browser-window.js'

/** `sessionStorage`: strings by key, per tab; `full` makes `setItem` throw as a full quota does. */
export class FakeStorage {
  readonly items = new Map<string, string>()
  full = false

  getItem(key: string): string | null {
    return this.items.get(key) ?? null
  }

  setItem(key: string, value: string): void {
    if (this.full) throw new DOMException('the quota has been exceeded', 'QuotaExceededError')
    this.items.set(key, String(value))
  }

  removeItem(key: string): void {
    this.items.delete(key)
  }
}

/** One `postMessage` call, as the browser was asked to deliver it. */
export interface Posted {
  readonly from: FakeWindow
  readonly data: unknown
  readonly targetOrigin: string
}

/**
 * A window as the browser gives it to a page: an address, `sessionStorage`, popups that
 * `window.open` returns (or `null` when `blockPopups`), an `opener` whose `postMessage` delivers
 * to the opener only when `targetOrigin` is its origin (or `'*'`), as a `message` event with the
 * sender's origin and window as `origin` and `source`, in a later task; intervals run by
 * {@link FakeWindow.tick}.
 */
export class FakeWindow implements StepUpWindow, StepUpPopup {
  href: string
  closed = false
  blockPopups = false
  readonly popups: FakeWindow[] = []
  readonly opened: { url: string; target: string; features: string }[] = []
  /** Every `location.assign` (a full-page navigation). */
  readonly assigned: string[] = []
  /** Every message this window was asked to post, delivered or not. */
  readonly posts: Posted[] = []
  readonly sessionStorage: FakeStorage
  readonly #listeners = new Set<(event: MessageEvent) => void>()
  readonly #intervals = new Map<number, () => void>()
  #nextInterval = 1
  readonly #opener: FakeWindow | null

  constructor(
    href: string,
    options: { opener?: FakeWindow | null; sessionStorage?: FakeStorage } = {},
  ) {
    this.href = href
    this.#opener = options.opener ?? null
    this.sessionStorage = options.sessionStorage ?? new FakeStorage()
  }

  get location() {
    const win = this
    return {
      get href() {
        return win.href
      },
      get origin() {
        return new URL(win.href).origin
      },
      assign(url: string) {
        win.assigned.push(url)
      },
      replace(url: string) {
        win.href = url
      },
    }
  }

  /** What a page sees as `window.opener`: posting through it comes from this window. */
  get opener(): { postMessage(message: unknown, targetOrigin: string): void } | null {
    const opener = this.#opener
    if (!opener) return null
    return { postMessage: (data, targetOrigin) => this.postTo(opener, data, targetOrigin) }
  }

  /** This window posts `data` to `target` (`target.postMessage(data, targetOrigin)`). */
  postTo(target: FakeWindow, data: unknown, targetOrigin: string): void {
    this.posts.push({ from: this, data, targetOrigin })
    if (targetOrigin !== '*' && targetOrigin !== target.location.origin) return
    const event = { data, origin: this.location.origin, source: this } as unknown as MessageEvent
    setTimeout(() => {
      for (const listener of target.#listeners) listener(event)
    }, 0)
  }

  open(url: string, target: string, features: string): FakeWindow | null {
    this.opened.push({ url, target, features })
    if (this.blockPopups) return null
    const popup = new FakeWindow(url, { opener: this })
    this.popups.push(popup)
    return popup
  }

  close(): void {
    this.closed = true
  }

  addEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.#listeners.add(listener)
  }

  removeEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.#listeners.delete(listener)
  }

  get listeners(): number {
    return this.#listeners.size
  }

  setInterval(handler: () => void, _timeout: number): number {
    const id = this.#nextInterval++
    this.#intervals.set(id, handler)
    return id
  }

  clearInterval(id: number): void {
    this.#intervals.delete(id)
  }

  get intervals(): number {
    return this.#intervals.size
  }

  /** One period of every interval. */
  tick(): void {
    for (const handler of [...this.#intervals.values()]) handler()
  }
}

/** Lets pending tasks run (message events, fetches to an in-memory server). */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))
