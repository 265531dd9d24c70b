import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { RelayError } from '../errors/relay-error.js'
import { SandboxConfig, type SandboxConfigInput } from './sandbox-config.js'

/** Validates a sandbox config (from a file or a test) once; errors name each field. */
export function parseSandboxConfig(input: unknown, origin = 'sandbox config'): SandboxConfig {
  const parsed = SandboxConfig.safeParse(input)
  if (!parsed.success) {
    throw new RelayError(
      'CONFIG_INVALID',
      `${origin} is invalid:\n${z.prettifyError(parsed.error)}`,
      {
        classification: 'systemic',
      },
    )
  }
  return parsed.data
}

/** Reads a YAML or JSON sandbox config file (JSON is YAML, so one parser reads both). */
export async function loadSandboxConfigFile(path: string): Promise<SandboxConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new RelayError('CONFIG_FILE_NOT_FOUND', `Cannot read the sandbox config file ${path}.`, {
      classification: 'systemic',
      cause: err,
    })
  }
  let raw: unknown
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new RelayError('CONFIG_INVALID', `${path} is not valid YAML/JSON: ${why}`, {
      classification: 'systemic',
      cause: err,
    })
  }
  return parseSandboxConfig(raw as SandboxConfigInput, path)
}
