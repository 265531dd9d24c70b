import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { createCheckCommand } from '../../src/cli/check-command.js'

/**
 * `moca-relay check --config relay.json` in a scratch folder, in this process. The config has one
 * route (unless `routes` replaces it) and, unless `kafka` says otherwise, a broker where nothing listens (its lines fail, which
 * the caller does not look at). `files` are written beside it (keys, PEMs). Returns the exit code
 * and everything printed, stderr after stdout.
 */
export async function runCheck(options: {
  readonly moca: Record<string, unknown>
  readonly kafka?: Record<string, unknown>
  readonly output?: Record<string, unknown>
  /** Replaces the one route. */
  readonly routes?: readonly Record<string, unknown>[]
  readonly files?: Record<string, string>
  readonly env?: Record<string, string>
}): Promise<{ code: number; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-check-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(options.files ?? {}))
    await writeFile(join(dir, name), text, { mode: 0o600 })
  await writeFile(
    join(dir, 'relay.json'),
    JSON.stringify({
      kafka: options.kafka ?? { brokers: ['127.0.0.1:1'] },
      moca: options.moca,
      ...(options.output ? { output: options.output } : {}),
      routes: options.routes ?? [
        {
          name: 'kyc',
          topics: ['kyc.completed'],
          program: { issuerDid: 'did:air:id:test:x', credentialId: 'c1' },
          credentialSubject: { level: 'level' },
        },
      ],
    }),
  )
  let stdout = ''
  let stderr = ''
  const code = await createCheckCommand({
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: options.env ?? {},
  }).run(['--config', join(dir, 'relay.json')])
  return { code, out: stdout + stderr }
}
