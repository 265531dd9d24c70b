/**
 * The media type of a `content-type` value, lowercased and without parameters:
 * `Application/JSON; charset=utf-8` → `application/json`.
 */
export function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}

/** `application/json`, `text/json` and any `+json` structured syntax suffix (RFC 6839). */
export function isJsonMediaType(mediaType: string): boolean {
  return (
    mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json')
  )
}

/**
 * The `charset` parameter of a `content-type` value, unquoted, as written (`"ISO-8859-1"` →
 * `ISO-8859-1`), or null when there is none. Parameters are split at `;`: a quoted value holding
 * a `;` is not a charset any producer sends.
 */
export function charsetOf(contentType: string): string | null {
  const parameters = contentType.split(';').slice(1)
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=')
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue
    const value = parameter.slice(equals + 1).trim()
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
      ? value.slice(1, -1).replace(/\\(.)/g, '$1')
      : value
  }
  return null
}

/**
 * Whether a charset names UTF-8, the only one the relay decodes: `utf-8` in any case, and `utf8`,
 * a label the WHATWG Encoding standard maps to UTF-8 that producers write.
 */
export function isUtf8Charset(charset: string): boolean {
  const name = charset.toLowerCase()
  return name === 'utf-8' || name === 'utf8'
}
