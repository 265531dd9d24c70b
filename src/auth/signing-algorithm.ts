/**
 * The two JWS algorithms MocaChain accepts for partner JWTs ([AUTH]: "RS256 or ES256 only; must
 * match the JWKS key type"). Shared by the signer and the sandbox's verifier.
 */
export const SigningAlgorithm = { ES256: 'ES256', RS256: 'RS256' } as const
export type SigningAlgorithm = (typeof SigningAlgorithm)[keyof typeof SigningAlgorithm]

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = Object.values(SigningAlgorithm)

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return value === SigningAlgorithm.ES256 || value === SigningAlgorithm.RS256
}

/** RS256 keys shorter than this are refused: 2048 bits is the floor of RFC 7518 §3.3. */
export const MIN_RSA_MODULUS_BITS = 2048
