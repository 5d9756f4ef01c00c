import { randomBytes, randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { hashPassword } from './passwords.ts'
import { createTotpSecret } from './totp.ts'

/** A WebAuthn credential registered to a user. */
export interface StoredCredential {
  /** Credential ID, base64url. */
  readonly id: string
  /** COSE public key, base64url. */
  readonly publicKey: string
  /** Last signature counter seen. */
  counter: number
  readonly transports: readonly string[]
  /** `singleDevice` when the authenticator reported backup eligibility (BE) = 0. */
  readonly deviceType: 'singleDevice' | 'multiDevice'
  backedUp: boolean
  /**
   * Whether this server treats the key as hardware-bound (class `phrh`): device-bound (BE = 0)
   * and registered with user verification. A heuristic: no attestation was verified.
   */
  readonly hardwareBound: boolean
  readonly aaguid: string
  readonly attestationFormat: string
  /** The name the user gave the key (renamable). */
  nickname: string
  readonly createdAt: number
  lastUsedAt?: number
}

/** What happened to an account's means of sign-in. */
export type SecurityEventType =
  | 'credential-added'
  | 'credential-renamed'
  | 'credential-removed'
  | 'enrolment-code-used'
  | 'account-locked'

/** A change to an account's security, shown to the user at their next sign-in. */
export interface SecurityEvent {
  readonly id: string
  readonly type: SecurityEventType
  /** Epoch seconds. */
  readonly at: number
  /** The key's name (its new name for a rename). */
  readonly nickname?: string
  /** The key's name before a rename. */
  readonly previousNickname?: string
  /** Whether the user has been shown it. */
  seen: boolean
}

/** A user account with its authenticators. */
export interface StoredUser {
  /** The subject identifier (`sub`): random, stable, never the username. */
  readonly id: string
  readonly username: string
  readonly name: string
  passwordHash: string
  totpSecret?: string
  /** The last TOTP time step accepted, so a code is never accepted twice. */
  totpLastTimeStep?: number
  /** WebAuthn user handle, base64url of 32 random bytes. */
  readonly webauthnUserId: string
  credentials: StoredCredential[]
  /** Changes to the account's security, newest last (at most 50 kept). */
  securityEvents?: SecurityEvent[]
}

/** Fields older versions kept on users (lockout counters, now in the sign-in throttle). */
const RETIRED = ['failedAttempts', 'lockedUntil'] as const

/** A user to create when the store does not hold one with that username yet. */
export interface SeedUser {
  readonly username: string
  readonly password: string
  readonly name?: string
  /** A base32 TOTP secret, `true` to generate one, or absent/`false` for none. */
  readonly totp?: string | boolean
}

/** Persistent server secrets kept next to the users so tokens stay valid across restarts. */
export interface StoredKeys {
  readonly jwks: { keys: Record<string, unknown>[] }
  readonly cookieKeys: string[]
}

interface DataFile {
  version: 1
  users: StoredUser[]
  keys?: StoredKeys
}

/** The embedded user and credential store the authorization server owns. */
export interface UserStore {
  /** Path of the JSON file, or undefined when the store lives in memory. */
  readonly file: string | undefined
  findByUsername(username: string): StoredUser | undefined
  findById(id: string): StoredUser | undefined
  list(): readonly StoredUser[]
  /**
   * Apply a change to a user and persist it (writes are serialised and atomic); a change that
   * leaves the user as it was writes nothing.
   */
  update(id: string, change: (user: StoredUser) => void): Promise<StoredUser>
  /** Create a user; throws if the username is taken. */
  create(seed: SeedUser): Promise<StoredUser>
  getKeys(): StoredKeys | undefined
  setKeys(keys: StoredKeys): Promise<void>
}

/**
 * The demo users created on first start: `alice` (password `wonderland`, TOTP enrolled) and
 * `bob` (password `builder`, password only).
 */
export const DEMO_USERS: readonly SeedUser[] = Object.freeze([
  { username: 'alice', password: 'wonderland', name: 'Alice Liddell', totp: true },
  { username: 'bob', password: 'builder', name: 'Bob Builder' },
])

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/

async function makeUser(seed: SeedUser): Promise<StoredUser> {
  if (!USERNAME.test(seed.username)) {
    throw new TypeError(`invalid username ${JSON.stringify(seed.username)}`)
  }
  const totpSecret =
    typeof seed.totp === 'string' ? seed.totp : seed.totp === true ? createTotpSecret() : undefined
  return {
    id: randomUUID(),
    username: seed.username,
    name: seed.name ?? seed.username,
    passwordHash: await hashPassword(seed.password),
    ...(totpSecret !== undefined && { totpSecret }),
    webauthnUserId: randomBytes(32).toString('base64url'),
    credentials: [],
  }
}

function parseDataFile(text: string, file: string): DataFile {
  const data = JSON.parse(text) as Partial<DataFile> | null
  if (
    data === null ||
    typeof data !== 'object' ||
    data.version !== 1 ||
    !Array.isArray(data.users)
  ) {
    throw new Error(`${file} is not an authorization server data file (version 1)`)
  }
  return data as DataFile
}

/**
 * Open (or create) the user store: a JSON file written atomically (temporary file + rename,
 * mode 0600) when `file` is given, otherwise memory only. Seed users missing from the store are
 * created. Sign-in failures are counted by the sign-in throttle, never here: a failed sign-in
 * never rewrites the file.
 *
 * @example
 * ```ts
 * const store = await openUserStore({ file: './data/users.json', seeds: DEMO_USERS })
 * store.findByUsername('alice')?.totpSecret
 * ```
 */
export async function openUserStore(
  options: { file?: string | undefined; seeds?: readonly SeedUser[] } = {},
): Promise<UserStore> {
  const { file } = options
  let data: DataFile = { version: 1, users: [] }
  if (file !== undefined) {
    try {
      data = parseDataFile(await readFile(file, 'utf8'), file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  const byId = new Map<string, StoredUser>()
  const byUsername = new Map<string, StoredUser>()
  const index = (user: StoredUser): void => {
    byId.set(user.id, user)
    byUsername.set(user.username, user)
  }
  for (const user of data.users) {
    // Files written by older versions may still hold lockout counters: they are dropped.
    for (const key of RETIRED) delete (user as unknown as Record<string, unknown>)[key]
    index(user)
  }

  let queue: Promise<void> = Promise.resolve()
  const persist = (): Promise<void> => {
    if (file === undefined) return Promise.resolve()
    const snapshot = JSON.stringify({ ...data, users: [...byId.values()] }, null, 2)
    const write = async (): Promise<void> => {
      await mkdir(dirname(file), { recursive: true })
      const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
      await writeFile(temporary, snapshot, { mode: 0o600 })
      await rename(temporary, file)
    }
    queue = queue.then(write, write)
    return queue
  }

  const store: UserStore = {
    file,
    findByUsername: (username) => byUsername.get(username),
    findById: (id) => byId.get(id),
    list: () => [...byId.values()],
    async update(id, change) {
      const user = byId.get(id)
      if (!user) throw new Error('unknown user')
      const before = JSON.stringify(user)
      change(user)
      if (JSON.stringify(user) !== before) await persist()
      return user
    },
    async create(seed) {
      if (byUsername.has(seed.username)) throw new Error(`user ${seed.username} already exists`)
      const user = await makeUser(seed)
      index(user)
      await persist()
      return user
    },
    getKeys: () => data.keys,
    async setKeys(keys) {
      data.keys = keys
      await persist()
    },
  }

  for (const seed of options.seeds ?? []) {
    if (!byUsername.has(seed.username)) await store.create(seed)
  }
  return store
}
