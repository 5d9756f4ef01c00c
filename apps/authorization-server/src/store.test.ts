import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
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
})
