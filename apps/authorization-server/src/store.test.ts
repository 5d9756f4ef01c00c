import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { verifyPassword } from './passwords.ts'
import { openUserStore } from './store.ts'

let directory: string | undefined
afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true })
  directory = undefined
})

describe('openUserStore', () => {
  it('persists users to a 0600 JSON file and reloads them without re-seeding', async () => {
    directory = await mkdtemp(join(tmpdir(), 'as-store-'))
    const file = join(directory, 'data', 'users.json')
    const first = await openUserStore({
      file,
      seeds: [{ username: 'alice', password: 'wonderland', totp: true }],
    })
    const alice = first.findByUsername('alice')!
    expect(alice.totpSecret).toMatch(/^[A-Z2-7]+$/)
    await first.update(alice.id, (u) => {
      u.totpLastTimeStep = 42
    })
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const raw = JSON.parse(await readFile(file, 'utf8'))
    expect(raw.version).toBe(1)
    expect(JSON.stringify(raw)).not.toContain('wonderland')

    const second = await openUserStore({
      file,
      seeds: [{ username: 'alice', password: 'changed' }],
    })
    const reloaded = second.findByUsername('alice')!
    expect(reloaded.id).toBe(alice.id)
    expect(reloaded.totpLastTimeStep).toBe(42)
    expect(await verifyPassword(reloaded.passwordHash, 'wonderland')).toBe(true)
    expect(await verifyPassword(reloaded.passwordHash, 'changed')).toBe(false)
  })

  it('keeps users in memory without a file and refuses a duplicate username', async () => {
    const store = await openUserStore({ seeds: [{ username: 'bob', password: 'builder' }] })
    expect(store.file).toBeUndefined()
    await expect(store.create({ username: 'bob', password: 'x' })).rejects.toThrow(/exists/)
    await expect(store.create({ username: 'Not Valid', password: 'x' })).rejects.toThrow(TypeError)
  })

  it('an update that changes nothing never rewrites the file; a new key is written; retired lockout counters in an old file are dropped', async () => {
    directory = await mkdtemp(join(tmpdir(), 'as-store-'))
    const file = join(directory, 'users.json')
    const store = await openUserStore({ file, seeds: [{ username: 'bob', password: 'builder' }] })
    const bob = store.findByUsername('bob')!
    const written = await stat(file)
    const text = await readFile(file, 'utf8')
    await store.update(bob.id, (u) => {
      u.credentials = [...u.credentials]
    })
    // Same inode and content: the atomic write (temporary file + rename) never ran.
    expect((await stat(file)).ino).toBe(written.ino)
    expect(await readFile(file, 'utf8')).toBe(text)

    await store.update(bob.id, (u) => {
      u.credentials.push({
        id: 'credential-1',
        publicKey: 'pk',
        counter: 0,
        transports: ['usb'],
        deviceType: 'singleDevice',
        backedUp: false,
        hardwareBound: true,
        aaguid: '00000000-0000-0000-0000-000000000000',
        attestationFormat: 'none',
        nickname: 'Key',
        createdAt: 1,
      })
    })
    const saved = JSON.parse(await readFile(file, 'utf8'))
    saved.users[0].failedAttempts = 3
    saved.users[0].lockedUntil = 2_000_000_000
    await writeFile(file, JSON.stringify(saved))
    const reopened = await openUserStore({ file })
    const reloaded = reopened.findById(bob.id)!
    expect(reloaded.credentials.map((c) => c.id)).toEqual(['credential-1'])
    expect(Object.keys(reloaded)).not.toContain('failedAttempts')
    expect(Object.keys(reloaded)).not.toContain('lockedUntil')
  })
})
