import { z } from 'zod'

/** `scheme://` at the start of a URL. */
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

/**
 * The userinfo (`key:secret@`) at the start of a value, with or without a scheme: a registry URL
 * may carry credentials, and an error message must not quote them.
 */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)?[^\s/?#]*@/i

/**
 * An http:// or https:// URL. Not z.url(): it takes `localhost:8081` as a URL whose scheme is
 * "localhost:", which fails only at the first request ("Protocol "localhost:" not supported"),
 * and its "Invalid URL" says nothing of the fix. `example` is a URL of the kind the field wants;
 * its scheme is the one a value without a scheme is shown with.
 */
export function httpUrl(example: string) {
  const exampleScheme = new URL(example).protocol.slice(0, -1)
  return z.string().superRefine((value, ctx) => {
    const problem = httpUrlProblem(value, exampleScheme, example)
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem })
  })
}

function httpUrlProblem(value: string, exampleScheme: string, example: string): string | null {
  const shown = value.replace(USERINFO, '$1***@')
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase()
  if (scheme === undefined) {
    // `localhost:8081` or `idp.example.com/token`: the scheme was left out. (`http:host`, which
    // a URL parser reads as http://host, is as likely a typo: named the same way.)
    const bare = shown.replace(/^https?:\/*/i, '')
    return `"${shown}" has no http:// or https:// scheme; e.g. ${exampleScheme}://${bare}`
  }
  if (scheme !== 'http' && scheme !== 'https') {
    return `"${shown}" is not an http:// or https:// URL; e.g. ${example}`
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `"${shown}" is not a valid URL; e.g. ${example}`
  }
  if (url.hostname === '') return `"${shown}" has no host; e.g. ${example}`
  return null
}
