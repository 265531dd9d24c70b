import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LocalStack, LocalStackDeps } from '../../src/stack/local-stack.js'

/**
 * `moca-relay stack up --kafka-port 19092 --controller-port 19093 --registry-port 18081` ends
 * with "Stop with: npm run stack:down". That command looks at the default ports (9092, 8081),
 * answers "was not running" for both, and leaves the two JVMs it was meant to stop running:
 * stack-command.ts prints a fixed hint whatever settings the stack was started with. The hint
 * must carry the ports (as flags or STACK_* variables) the stack runs on.
 *
 * createLocalStack is replaced so that no JVM starts: the test is about what the command prints.
 */
const seen: LocalStackDeps[] = []
vi.mock('../../src/stack/local-stack.js', () => ({
  createLocalStack: (deps: LocalStackDeps): LocalStack => {
    seen.push(deps)
    const { settings } = deps
    return {
      services: [],
      up: () =>
        Promise.resolve([
          {
            action: 'started',
            status: {
              service: 'kafka',
              displayName: 'Kafka broker',
              state: 'running',
              address: `${settings.host}:${settings.kafkaPort}`,
              pid: 4242,
            },
          },
          {
            action: 'started',
            status: {
              service: 'registry',
              displayName: 'schema registry',
              state: 'running',
              address: `http://${settings.host}:${settings.registryPort}/apis/ccompat/v7`,
              pid: 4243,
            },
          },
        ]),
      down: () => Promise.resolve([]),
      status: () => Promise.resolve([]),
    }
  },
}))

afterEach(() => {
  vi.restoreAllMocks()
})

describe('moca-relay stack up on ports other than the defaults', () => {
  it('tells how to stop that stack, on those ports', async () => {
    const { stackCommand } = await import('../../src/cli/stack-command.js')
    let stdout = ''
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk)
      return true
    })
    const code = await stackCommand.run([
      'up',
      ...['--kafka-port', '19092', '--controller-port', '19093', '--registry-port', '18081'],
    ])
    vi.restoreAllMocks()

    expect(code).toBe(0)
    expect(seen[0]?.settings.kafkaPort).toBe(19092)
    const hint = stdout.split('\n').find((line) => line.includes('Stop with'))
    expect(hint).toBeDefined()
    expect(hint).toMatch(/19092/)
    expect(hint).toMatch(/18081/)
  })
})
