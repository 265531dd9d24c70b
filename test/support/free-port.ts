import { createServer } from 'node:net'

/**
 * A port that was free a moment ago, chosen by the OS. Another process may take it before we
 * bind it; for tests on one machine that window is small enough.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host, port: 0 }, () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('the OS gave no port'))
      })
    })
  })
}

/** Several distinct free ports (ports picked one by one could repeat once closed). */
export async function findFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < count) ports.add(await findFreePort(host))
  return [...ports]
}
