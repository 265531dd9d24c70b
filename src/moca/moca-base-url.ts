import {
  ISSUE_PATH,
  MOCA_BASE_URLS,
  STATUS_PATH,
  type MocaEnvironment,
} from '../domain/moca-api.js'

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/** A base URL the MocaChain client can use, or why not (a sentence without the field's name). */
export type MocaBaseUrlCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly problem: string }

/**
 * The rules for a MocaChain base URL, in one place: the client applies them when it is built and
 * the config schema before anything starts, so a bad `moca.baseUrl` is reported against the field
 * (or the variable that set it). `insecureHttpSetting` names the switch in the caller's terms.
 */
export function checkMocaBaseUrl(
  value: string,
  allowInsecureHttp: boolean,
  insecureHttpSetting = 'allowInsecureHttp',
): MocaBaseUrlCheck {
  const problem = (text: string): MocaBaseUrlCheck => ({ ok: false, problem: text })
  const preset = (MOCA_BASE_URLS as Record<string, string>)[value]
  const presets = Object.keys(MOCA_BASE_URLS as Record<MocaEnvironment, string>).join(', ')
  let url: URL
  try {
    url = new URL(preset ?? value)
  } catch {
    return problem(`"${value}" is neither a preset (${presets}) nor a URL`)
  }
  // Checked before anything echoes url.href, which would print the password.
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return problem('must not carry credentials (user:password@), a query or a fragment')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return problem(`${url.href} must use https (or http for a local sandbox)`)
  }
  const path = url.pathname.replace(/\/+$/, '')
  if (path.endsWith(ISSUE_PATH) || path.endsWith(STATUS_PATH)) {
    return problem(
      `${url.href} names an endpoint; give the API root instead (e.g. ${MOCA_BASE_URLS.sandbox})`,
    )
  }
  // The docs' paths repeat /v1 and the base URLs already hold it: a base without a version would
  // send every call to a path MocaChain does not serve, which looks like a 404 on the program.
  if (!/\/v\d+$/.test(path)) {
    return problem(`${url.href} must end with the API version, e.g. ${url.origin}${path}/v1`)
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname) && !allowInsecureHttp) {
    return problem(
      `${url.href} is plain http to a non-loopback host: partner JWTs would travel in clear text. Use https, or set ${insecureHttpSetting} for a private sandbox`,
    )
  }
  return { ok: true, url }
}
