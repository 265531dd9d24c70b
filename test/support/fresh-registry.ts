import { createServer } from 'node:http'
import { onTestFinished } from 'vitest'

/**
 * A schema registry that answers as a fresh one does, no subject registered, on 127.0.0.1;
 * closed when the test ends. Resolves with its port.
 */
export async function startFreshRegistry(): Promise<number> {
  const registry = createServer((req, res) => {
    req.resume()
    res.writeHead(404, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
    res.end('{"error_code":40401,"message":"Subject not found"}')
  })
  await new Promise<void>((done) => registry.listen(0, '127.0.0.1', done))
  onTestFinished(() => new Promise<void>((done) => registry.close(() => done())))
  return (registry.address() as { port: number }).port
}
