import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ISSUE_PATH, STATUS_PATH } from '../domain/moca-api.js'
import { createSilentLogger, type Logger } from '../ops/logger.js'
import { CONTROL_PREFIX, handleControl } from './control-api.js'
import { sendMocaError } from './http-io.js'
import { handleIssue } from './issue-endpoint.js'
import { parseSandboxConfig } from './load-sandbox-config.js'
import { MocaMessages } from './moca-messages.js'
import type { SandboxConfigInput } from './sandbox-config.js'
import { createSandboxCore, type SandboxControl } from './sandbox-core.js'
import { trackInFlight } from './sandbox-stats.js'
import { handleStatus } from './status-endpoint.js'

/** The sandbox serves the API under the same version prefix as MocaChain's base URLs. */
export const SANDBOX_BASE_PATH = '/v1'
/**
 * Idle keep-alive sockets stay open this long. Well above undici's 4 s client default, so clients
 * always close idle sockets first and never write a request into one the server is closing.
 */
const SERVER_KEEP_ALIVE_TIMEOUT_MS = 65_000

export interface StartSandboxOptions {
  /** A sandbox config (validated here; see sandbox-config.ts and examples/sandbox.yaml). */
  readonly config: SandboxConfigInput
  /** @default a silent logger */
  readonly logger?: Logger
  /** @default 0: a free port, for tests */
  readonly port?: number
  /** @default "127.0.0.1" */
  readonly host?: string
  /** @default Date.now */
  readonly now?: () => number
}

export interface SandboxHandle extends SandboxControl {
  /** The MocaChain base URL to give a client, e.g. `http://127.0.0.1:54321/v1`. */
  readonly url: string
  /** Where `/_sandbox/*` lives, e.g. `http://127.0.0.1:54321`. */
  readonly origin: string
  readonly port: number
  /** Stops listening and drops every connection, hung calls included. */
  close(): Promise<void>
}

/** Starts the MocaChain simulator as a real HTTP server. */
export async function startSandbox(options: StartSandboxOptions): Promise<SandboxHandle> {
  const config = parseSandboxConfig(options.config)
  const logger = options.logger ?? createSilentLogger()
  const core = createSandboxCore({ config, logger, now: options.now })
  const issuePath = SANDBOX_BASE_PATH + ISSUE_PATH
  const statusPath = SANDBOX_BASE_PATH + STATUS_PATH

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const query = q === -1 ? '' : url.slice(q + 1)
    let work: Promise<void>
    if (path === issuePath && req.method === 'POST') {
      work = trackInFlight(core.counters.issue, () => handleIssue(core, req, res))
    } else if (path === statusPath && req.method === 'GET') {
      work = trackInFlight(core.counters.status, () => handleStatus(core, req, res, query))
    } else if (path.startsWith(CONTROL_PREFIX)) work = handleControl(core, req, res, path, query)
    else {
      req.resume()
      sendMocaError(res, 404, MocaMessages.notFound)
      return
    }
    work.catch((err: unknown) => {
      logger.error({ err, path }, 'sandbox failed to handle a request (a sandbox bug)')
      if (!res.headersSent) sendMocaError(res, 500, MocaMessages.serverFailure)
      else res.destroy()
    })
  }

  const server = createServer(onRequest)
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const origin = `http://${host}:${address.port}`
  logger.info(
    {
      url: origin + SANDBOX_BASE_PATH,
      partners: config.partners.length,
      programs: config.programs.length,
    },
    'MocaChain sandbox listening',
  )

  let closing: Promise<void> | undefined
  return {
    settings: () => core.settings(),
    updateSettings: (patch) => core.updateSettings(patch),
    faults: () => core.faults(),
    setFaults: (faults) => core.setFaults(faults),
    setConsentRejected: (email, rejected, partnerId) =>
      core.setConsentRejected(email, rejected, partnerId),
    setFeatureEnabled: (partnerId, enabled) => core.setFeatureEnabled(partnerId, enabled),
    reset: () => core.reset(),
    stats: () => core.stats(),
    calls: core.calls,
    url: origin + SANDBOX_BASE_PATH,
    origin,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }).then(() => core.close())
      return closing
    },
  }
}
