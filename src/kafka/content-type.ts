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
