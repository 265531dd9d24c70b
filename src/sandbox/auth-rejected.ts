/**
 * A partner JWT the sandbox refuses (answered 401). `reason` says why, for the sandbox's log and
 * the `reason` field of its 401 body; MocaChain itself only says "Invalid or expired Partner JWT,
 * or JWKS mismatch.".
 */
export class AuthRejected extends Error {
  override readonly name = 'AuthRejected'
  constructor(readonly reason: string) {
    super(reason)
  }
}
