/** RFC 5321 caps a path at 254 characters; anything else we leave to MocaChain to judge. */
const MAX_EMAIL_LENGTH = 254
/**
 * One `@`, something on either side, a dot inside the domain with no empty label. Whitespace,
 * control, format (bidi overrides, zero-width) and separator characters are refused: they would
 * reach the JWT and the issuer's UI invisibly, or make one user look like another.
 */
const EMAIL_SHAPE =
  /^[^\s@\p{Cc}\p{Cf}\p{Z}]+@[^\s@.\p{Cc}\p{Cf}\p{Z}]+(?:\.[^\s@.\p{Cc}\p{Cf}\p{Z}]+)+$/u

/** Whether `text` has the shape of an email address the relay will put in a partner JWT. */
export function isEmailAddress(text: string): boolean {
  return text.length <= MAX_EMAIL_LENGTH && EMAIL_SHAPE.test(text)
}
