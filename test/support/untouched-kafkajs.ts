import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/**
 * Runs a fixture script in a fresh Node process, where kafkajs loads untouched by the relay's
 * patches, and returns the JSON it prints: the reference a patched kafkajs is compared with.
 */
export async function outputOfUntouchedKafkajs<T>(fixture: URL): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(fixture)], {
    maxBuffer: 64 * 1024 * 1024,
  })
  return JSON.parse(stdout) as T
}
