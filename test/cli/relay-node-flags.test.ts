import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RELAY_NODE_FLAGS } from '../../src/cli/relay-node-flags.js'
import { findProjectRoot } from '../../src/stack/stack-settings.js'

/**
 * The bench measures the relay with RELAY_NODE_FLAGS; these are the ways users start it, and each
 * must pass the same flags, or users run a relay other than the measured one.
 */
const root = findProjectRoot()
const read = (path: string) => readFile(join(root, path), 'utf8')

describe('the Node.js flags of moca-relay', () => {
  it('are in the shebang that npx moca-relay and an installed moca-relay run through', async () => {
    const shebang = (await read('src/cli/main.ts')).split('\n')[0]
    // env -S splits the rest into arguments (GNU coreutils 8.30+, BSD and macOS env).
    expect(shebang).toBe(`#!/usr/bin/env -S node ${RELAY_NODE_FLAGS.join(' ')}`)
  })

  it("are in the Docker image's ENTRYPOINT, before the script", async () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(await read('Dockerfile'))?.[1]
    expect(JSON.parse(entrypoint ?? '[]')).toEqual([
      'node',
      ...RELAY_NODE_FLAGS,
      'dist/src/cli/main.js',
    ])
  })

  it('are in npm run demo, which runs the relay in its own process', async () => {
    const scripts = JSON.parse(await read('package.json')).scripts as Record<string, string>
    expect(scripts.demo).toBe(`node ${RELAY_NODE_FLAGS.join(' ')} dist/src/cli/main.js demo`)
  })
})
