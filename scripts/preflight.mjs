// Checks (and with --install, or as root on a machine without them, installs from Debian's
// packages) the system programs the test suite needs: Chromium for browser tests, Redis for the
// consumed-grant store. Fails loudly instead of letting tests skip.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Node >= 20.19 is required (found ${process.versions.node})`)
  process.exit(1)
}

const needed = [
  { bin: '/usr/bin/chromium', pkg: 'chromium' },
  { bin: '/usr/bin/redis-server', pkg: 'redis-server' },
]
const missing = needed.filter((n) => !existsSync(n.bin))
if (missing.length === 0) process.exit(0)

const names = missing.map((m) => m.pkg).join(' ')
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
if (!isRoot || !hasApt) {
  console.error(
    `The test suite needs: ${names}. Install them (Debian: apt-get install -y ${names}).`,
  )
  process.exit(1)
}
console.log(`Installing ${names} from Debian's packages…`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
execFileSync(
  'apt-get',
  ['install', '-y', '-qq', '--no-install-recommends', ...missing.map((m) => m.pkg)],
  {
    stdio: 'inherit',
    env,
  },
)
for (const m of missing) {
  if (!existsSync(m.bin)) {
    console.error(`${m.pkg} installed but ${m.bin} is missing`)
    process.exit(1)
  }
}
