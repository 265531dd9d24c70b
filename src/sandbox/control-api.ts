import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { isRelayError } from '../errors/relay-error.js'
import { readRequestBody, sendJson, sendMocaError } from './http-io.js'
import { MocaMessages } from './moca-messages.js'
import type { SandboxControl } from './sandbox-core.js'

export const CONTROL_PREFIX = '/_sandbox/'

const ConsentChange = z.strictObject({
  email: z.string().min(3),
  rejected: z.boolean(),
  /** Required when the sandbox has several partners (consent is per user and partner). */
  partnerId: z.string().min(1).optional(),
})
const FeatureChange = z.strictObject({ partnerId: z.string().min(1), enabled: z.boolean() })

/**
 * The sandbox's inspection and control endpoints, for tests, the demo and the benchmark. No JWT:
 * they are not part of MocaChain, and the sandbox binds to loopback.
 *
 * GET  /_sandbox/health               → { ok: true }
 * GET  /_sandbox/calls?limit=N        → { total, retained, calls: IssueCallRecord[] }
 * GET  /_sandbox/stats                → SandboxStats
 * GET  /_sandbox/settings             POST /_sandbox/settings  (a partial SandboxSettings)
 * GET  /_sandbox/faults               POST /_sandbox/faults    (replaces: { issue?, status? })
 * POST /_sandbox/consent              { email, rejected, partnerId? }
 * POST /_sandbox/feature              { partnerId, enabled }
 * POST /_sandbox/reset
 */
export async function handleControl(
  control: SandboxControl,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  const route = `${req.method ?? 'GET'} ${path.slice(CONTROL_PREFIX.length)}`
  try {
    const input =
      req.method === 'POST' ? parseJson(await readRequestBody(req)) : (req.resume(), undefined)
    sendJson(res, 200, run(control, route, input, query))
  } catch (err) {
    if (err instanceof NotFound) {
      sendMocaError(res, 404, MocaMessages.notFound)
      return
    }
    if (isRelayError(err) || err instanceof z.ZodError || err instanceof SyntaxError) {
      const message = err instanceof z.ZodError ? z.prettifyError(err) : err.message
      sendMocaError(res, 400, message)
      return
    }
    throw err
  }
}

function run(control: SandboxControl, route: string, input: unknown, query: string): unknown {
  switch (route) {
    case 'GET health':
      return { ok: true }
    case 'GET calls': {
      const limit = Number(new URLSearchParams(query).get('limit') ?? Number.NaN)
      const calls = control.calls.list(Number.isInteger(limit) && limit > 0 ? { limit } : {})
      return { total: control.calls.total, retained: control.calls.retained, calls }
    }
    case 'GET stats':
      return control.stats()
    case 'GET settings':
      return control.settings()
    case 'POST settings':
      return control.updateSettings(input ?? {})
    case 'GET faults':
      return control.faults()
    case 'POST faults':
      return control.setFaults(input ?? {})
    case 'POST consent': {
      const change = ConsentChange.parse(input)
      control.setConsentRejected(change.email, change.rejected, change.partnerId)
      return { ok: true }
    }
    case 'POST feature': {
      const change = FeatureChange.parse(input)
      control.setFeatureEnabled(change.partnerId, change.enabled)
      return { ok: true }
    }
    case 'POST reset':
      control.reset()
      return { ok: true }
  }
  throw new NotFound()
}

class NotFound extends Error {}

function parseJson(text: string): unknown {
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown)
}
