// The README's Troubleshooting table names every error code the package can throw.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')
        ? [readFileSync(join(dir, entry.name), 'utf8')]
        : [],
  )

it('lists every error code in the Troubleshooting table, each with a fix', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.split(/^## /m).find((s) => s.startsWith('Troubleshooting\n')) ?? ''
  const rows = section.split('\n').filter((line) => /^\| `ERR_/.test(line))
  const codes = new Set(
    sources(join(root, 'src')).flatMap((text) => text.match(/ERR_[A-Z_]+/g) ?? []),
  )
  // Thrown by the option check every factory runs (bundled from the workspace's shared code).
  for (const code of ['ERR_UNKNOWN_OPTION', 'ERR_INVALID_ARG_TYPE']) codes.add(code)
  expect(codes.size).toBeGreaterThan(2)
  for (const code of codes) {
    expect(
      rows.some((row) => row.startsWith(`| \`${code}\``)),
      code,
    ).toBe(true)
  }
  for (const row of rows) expect(row.split('|').at(-2)?.trim()).toMatch(/\w{3}/)
})
