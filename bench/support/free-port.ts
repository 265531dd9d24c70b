import { createServer } from 'node:net'

/** A port the OS reports free on 127.0.0.1; a child binds it a moment later. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('the OS gave no port'))
      })
    })
  })
}
