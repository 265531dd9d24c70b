import { Client } from 'undici'
import { BAD_HOST_CODES } from './port-probe.js'

/** The Confluent-compatible API of Apicurio Registry 3, relative to its base URL. */
export const CCOMPAT_PATH = '/apis/ccompat/v7'

/**
 * Connect errors that mean no program answers there: refused, unreachable, or a host that is
 * not this machine's or does not resolve (checkPorts then names the host). Anything else, a
 * reset or a TLS or HTTP parse error, means some program holds the port.
 */
const NOTHING_THERE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  ...BAD_HOST_CODES,
])

export type RegistryProbeResult =
  | { readonly kind: 'registry' }
  | { readonly kind: 'closed' }
  | { readonly kind: 'other'; readonly detail: string }

/**
 * Asks `<registryUrl>/subjects`, the cheapest call of the Confluent schema-registry API. A JSON
 * array means a registry that @kafkajs/confluent-schema-registry can use; any other answer means
 * some other program holds the port.
 */
export async function probeRegistry(
  registryUrl: string,
  timeoutMs: number,
): Promise<RegistryProbeResult> {
  const url = new URL(`${registryUrl.replace(/\/+$/, '')}/subjects`)
  // One client per probe, closed at once: the CLI must be able to exit right after, and a
  // pooled keep-alive socket would outlive the answer.
  const client = new Client(url.origin, {
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  })
  try {
    const response = await client.request({
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      headers: { accept: 'application/json' },
    })
    const body = await response.body.text()
    if (response.statusCode !== 200) {
      return {
        kind: 'other',
        detail: `answers GET ${url.pathname} with HTTP ${response.statusCode}`,
      }
    }
    try {
      if (Array.isArray(JSON.parse(body))) return { kind: 'registry' }
    } catch {
      // not JSON: reported below like any other foreign answer
    }
    return {
      kind: 'other',
      detail: `answers GET ${url.pathname} with something not a subject list`,
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string' && NOTHING_THERE_CODES.has(code)) return { kind: 'closed' }
    return { kind: 'other', detail: `does not answer HTTP (${String(code ?? err)})` }
  } finally {
    await client.close().catch(() => undefined)
  }
}
