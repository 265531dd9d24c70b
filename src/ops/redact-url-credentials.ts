/**
 * The userinfo of a URL (`//user:password@`, `//token@`) up to the last `@` before the host ends:
 * a password with an unencoded `@` still counts as userinfo to a URL parser, so it must here too.
 */
const URL_USERINFO = /\/\/[^\s/?#]*@/g

/**
 * `text` with the credentials of every URL in it replaced by `***`
 * (`https://key:secret@host/x` → `https://***@host/x`), wherever the URL sits: a config value,
 * or a library's error message that quotes the request URL. For text that reaches a terminal or
 * a log line; a URL meant for a request keeps its credentials.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, '//***@')
}
