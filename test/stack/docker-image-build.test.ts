import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { describe, expect, it, onTestFinished } from 'vitest'
import { findProjectRoot } from '../../src/stack/stack-settings.js'

/**
 * `docker build .` failed with TS2307: the build stage copied bench/, whose poison scenario
 * imports test/fixtures, which it did not copy, and `npm ci`'s prepare script compiles what is
 * there. No Docker engine runs where the tests do, so this copies exactly what the build stage
 * copies into a folder of its own and runs the same compiler there.
 */
const root = findProjectRoot()
const run = promisify(execFile)

/** The sources of each COPY in the Dockerfile's first (build) stage. */
async function buildStageCopies(): Promise<string[]> {
  const text = await readFile(join(root, 'Dockerfile'), 'utf8')
  const stages = text.split(/^FROM /m).slice(1)
  const buildStage = stages[0] ?? ''
  return buildStage
    .split('\n')
    .filter((line) => line.startsWith('COPY ') && !line.includes('--from'))
    .flatMap((line) => line.slice('COPY '.length).trim().split(/\s+/).slice(0, -1))
}

describe('the Docker image', () => {
  it('compiles from what its build stage copies', { timeout: 120_000 }, async () => {
    const copies = await buildStageCopies()
    expect(copies).toContain('src')
    const dir = await mkdtemp(join(tmpdir(), 'moca-relay-image-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    for (const path of copies) await cp(join(root, path), join(dir, path), { recursive: true })
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'))

    // the command `npm ci` runs as `prepare`; --noEmit keeps the copy small
    const packageJson = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(packageJson.scripts.prepare).toBe('npm run build')
    const [, ...args] = (packageJson.scripts.build ?? '').split(' ')
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = await run(process.execPath, [tsc, ...args, '--noEmit'], { cwd: dir }).then(
      () => 'compiled',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    )
    expect(result).toBe('compiled')
  })

  it('is built, not pulled, by every compose service that runs it', async () => {
    const compose = parse(await readFile(join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { image?: string; build?: unknown }>
    }
    const unbuilt = Object.entries(compose.services)
      .filter(([, service]) => service.image === 'moca-relay' && service.build === undefined)
      .map(([name]) => name)
    expect(unbuilt, 'services that would pull moca-relay from Docker Hub').toEqual([])
  })
})
