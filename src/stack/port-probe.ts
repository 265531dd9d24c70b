import { createConnection, createServer } from 'node:net'

export interface HostPort {
  readonly host: string
  readonly port: number
}

/** "host:port", with IPv6 hosts in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * Whether something accepts TCP connections on the address. Refused or unreachable means
 * closed; a connect that neither succeeds nor fails within the timeout counts as closed too,
 * since nothing we could talk to is there.
 */
export function isPortOpen(address: HostPort, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: address.host, port: address.port })
    const done = (open: boolean): void => {
      socket.destroy()
      resolve(open)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * Listen error codes that say the host, not the port, is wrong: an address this machine does
 * not have (EADDRNOTAVAIL), or a name that does not resolve, for good (ENOTFOUND) or for now
 * (EAI_AGAIN). Connecting to such a host finds nothing, and no program holds any of its ports.
 */
export const BAD_HOST_CODES: ReadonlySet<string> = new Set([
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
])

export type ListenCheck = { readonly ok: true } | { readonly ok: false; readonly code: string }

/**
 * Whether we could listen on the address right now, and if not the listen error's code
 * (EADDRINUSE: another program holds the port; a BAD_HOST_CODES code: the host is wrong). A
 * connect probe misses a listener on another interface (0.0.0.0) or one that does not accept
 * yet; binding is what the service will do.
 */
export function canListen(address: HostPort): Promise<ListenCheck> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', (err) => {
      const code = (err as { code?: unknown }).code
      resolve({ ok: false, code: typeof code === 'string' ? code : String(err) })
    })
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.close(() => resolve({ ok: true }))
    })
  })
}
