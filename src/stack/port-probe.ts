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
 * Whether we could listen on the address right now. A connect probe misses a listener on another
 * interface (0.0.0.0) or one that does not accept yet; binding is what the service will do.
 */
export function canListen(address: HostPort): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.close(() => resolve(true))
    })
  })
}
