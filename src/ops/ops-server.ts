import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { maskEmailsIn } from '../domain/mask-email.js'
import { RelayError } from '../errors/relay-error.js'
import { maskJwtsIn } from '../moca/error-body.js'
import type { Readiness } from '../pipeline/relay.js'
import type { Logger } from './logger.js'

/**
 * Room for a route, an error code and a MocaChain message (cut at 300 characters where it is
 * read); a message from anywhere else cannot grow the probe's answer past it.
 */
const MAX_REASON_CHARS = 400

export interface OpsServerDeps {
  readonly host: string
  readonly port: number
  readonly jwksPath: string
  /** The public JWKS document (never private members). */
  readonly jwks: () => unknown
  readonly readiness: () => Readiness
  readonly metrics: { render(): Promise<string>; readonly contentType: string }
  /** False once shutdown began: /healthz then says so, and load balancers drain us. */
  readonly alive: () => boolean
  readonly logger: Logger
}

export interface OpsServer {
  readonly url: string
  close(): Promise<void>
}

/**
 * One port for everything an operator or platform asks the relay: liveness, readiness (with the
 * reasons when not ready), Prometheus metrics, and the partner JWKS that MocaChain fetches.
 */
export async function startOpsServer(deps: OpsServerDeps): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.logger.error({ err, path: req.url }, 'ops request failed')
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n')
      else res.destroy()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n')
    }
    switch (path) {
      case '/healthz':
        return deps.alive()
          ? send(res, 200, 'text/plain; charset=utf-8', 'ok\n')
          : send(res, 503, 'text/plain; charset=utf-8', 'shutting down\n')
      case '/readyz': {
        const readiness = deps.readiness()
        const body = { ...readiness, reasons: readiness.reasons.map(publicReason) }
        return send(
          res,
          readiness.ready ? 200 : 503,
          'application/json',
          `${JSON.stringify(body, null, 2)}\n`,
        )
      }
      case '/metrics':
        return send(res, 200, deps.metrics.contentType, await deps.metrics.render())
      case deps.jwksPath:
        res.setHeader('cache-control', 'public, max-age=300')
        return send(res, 200, 'application/json', JSON.stringify(deps.jwks()))
      default:
        return send(
          res,
          404,
          'text/plain; charset=utf-8',
          `not found; try /healthz, /readyz, /metrics or ${deps.jwksPath}\n`,
        )
    }
  }

  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown): void => reject(listenFailed(deps.host, deps.port, err))
    server.once('error', fail)
    server.listen(deps.port, deps.host, () => {
      server.off('error', fail)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const url = `http://${deps.host.includes(':') ? `[${deps.host}]` : deps.host}:${address.port}`
  deps.logger.info({ url, jwks: `${url}${deps.jwksPath}` }, 'ops endpoints listening')
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/**
 * A listen error is the operator's to fix (the port, the host), not a bug: it names the address
 * and the setting to change. An error without a system code is passed on as it is.
 */
function listenFailed(host: string, port: number, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return err
  const fix =
    code === 'EADDRINUSE'
      ? 'another program holds the port; stop it, or set ops.port (or MOCA_RELAY_OPS_PORT) to a free port'
      : code === 'EACCES'
        ? 'ports below 1024 need privileges; set ops.port (or MOCA_RELAY_OPS_PORT) to 1024 or above'
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `${host} is not an address of this machine; set ops.host to one of its addresses (0.0.0.0: all of them)`
          : `${(err as Error).message}; check ops.host and ops.port (or MOCA_RELAY_OPS_PORT)`
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`
  return new RelayError(
    'OPS_LISTEN_FAILED',
    `cannot listen on ${address} for /healthz, /readyz, /metrics and the JWKS (${code}): ${fix}`,
    { classification: 'terminal', cause: err },
  )
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/**
 * A reason as /readyz serves it, to anyone who reaches the ops port: an open circuit's reason
 * quotes MocaChain's failure message, which can echo the user's email or a token. Masked before
 * cut, so the cut cannot leave a part of an address or token that masking would no longer find.
 */
function publicReason(reason: string): string {
  const masked = maskJwtsIn(maskEmailsIn(reason))
  return masked.length > MAX_REASON_CHARS ? `${masked.slice(0, MAX_REASON_CHARS - 1)}…` : masked
}
