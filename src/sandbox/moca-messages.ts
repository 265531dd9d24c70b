/**
 * MocaChain's documented error messages ([OAS] examples, shared/reference). Bodies are
 * `{ error: <http status>, message }`; the sandbox may add a `reason` the real service would not.
 */
export const MocaMessages = {
  unauthorized: 'Invalid or expired Partner JWT, or JWKS mismatch.',
  forbidden: 'Feature not enabled or schema not allowed for this partner.',
  programNotFound: 'Unknown issuer DID or issuance program.',
  hashNotFound: 'No credential found for the given hash.',
  consentRejected: 'Consent rejected by user.',
  duplicateConflict: 'Duplicate credential exists for this user and program.',
  /** What the live API answers for both 409 causes. */
  conflictCombined: 'Consent rejected by user or duplicate conflict.',
  serverFailure: 'Server-side failure. Retry with exponential backoff.',
  tooManyRequests: 'Too many requests. Retry after the time in Retry-After.',
  requestTimeout: 'Request timeout.',
  invalidJson: 'Request body must be a JSON object.',
  /**
   * A path the sandbox does not serve. The relay reads a 404 that says neither hashNotFound nor
   * programNotFound as a wrong base URL (MOCA_ENDPOINT_NOT_FOUND, systemic), as it would
   * MocaChain's host answering a path it does not serve.
   */
  notFound: 'Not found.',
  payloadTooLarge: 'Request body too large.',
  /** 415: the API requires `Content-Type: application/json`; MocaChain's wording is undocumented. */
  unsupportedMediaType: 'Content-Type must be application/json.',
} as const

/** A gateway's own page, as sites behind nginx answer a dead upstream. */
export const GATEWAY_502_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n'

/** A gateway that gave up waiting for MocaChain (the work may still happen behind it). */
export const GATEWAY_504_HTML =
  '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n'

/**
 * A load balancer's plain-text 503 (Envoy's wording). The relay reads it as uncertain: Envoy says
 * the same after it forwarded the request, when MocaChain may have it.
 */
export const UNAVAILABLE_503_TEXT =
  'upstream connect error or disconnect/reset before headers. reset reason: overflow'
