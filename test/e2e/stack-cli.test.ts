import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it, onTestFinished } from 'vitest'
import { findProjectRoot } from '../../src/stack/stack-settings.js'
import { findFreePorts } from '../support/free-port.js'

/** `moca-relay stack …` as a user runs it: the built CLI in a child process. */
const cli = join(findProjectRoot(), 'dist', 'src', 'cli', 'main.js')
const run = promisify(execFile)

async function stack(args: string[], env: Record<string, string>) {
  const { KAFKA_BROKERS: _k, SCHEMA_REGISTRY_URL: _s, ...inherited } = process.env
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'stack', ...args], {
      env: { ...inherited, ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

async function sparePorts() {
  const [kafka, controller, registry] = await findFreePorts(3)
  return {
    STACK_KAFKA_PORT: String(kafka),
    STACK_KAFKA_CONTROLLER_PORT: String(controller),
    STACK_REGISTRY_PORT: String(registry),
  }
}

describe.skipIf(!existsSync(cli))('moca-relay stack (built CLI; `npm run build` first)', () => {
  it('status shows both services stopped on unused ports and exits 3', async () => {
    const ports = await sparePorts()
    const { code, stdout } = await stack(['status'], ports)
    expect(code).toBe(3)
    expect(stdout).toMatch(
      new RegExp(`^Kafka broker +stopped +127\\.0\\.0\\.1:${ports.STACK_KAFKA_PORT}$`, 'm'),
    )
    expect(stdout).toMatch(
      new RegExp(
        `^schema registry +stopped +http://127\\.0\\.0\\.1:${ports.STACK_REGISTRY_PORT}/apis/ccompat/v7$`,
        'm',
      ),
    )
  })

  it('up refuses a port another program holds with one line naming port, cause and fix', async () => {
    const squatter = createServer((_req, res) => res.writeHead(404).end())
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => squatter.close(() => resolve())))
    const port = (squatter.address() as AddressInfo).port
    const ports = await sparePorts()

    const { code, stderr } = await stack(['up'], { ...ports, STACK_KAFKA_PORT: String(port) })
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^moca-relay: port 127\\.0\\.0\\.1:${port} is taken .*STACK_KAFKA_PORT.*\\[STACK_PORT_BUSY\\]$`,
        ),
      ),
    ])
  })

  it('rejects a malformed port setting as a configuration error, not a crash', async () => {
    const { code, stderr } = await stack(['status'], { STACK_KAFKA_PORT: 'ninety' })
    expect(code).toBe(1)
    expect(stderr).toMatch(/STACK_KAFKA_PORT.*\[CONFIG_INVALID\]/)
  })
})
