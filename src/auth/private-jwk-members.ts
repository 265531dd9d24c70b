/**
 * JWK members that carry private or secret key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1). A JWKS
 * must never hold any of them: a JWKS is public by definition, and MocaChain's own sample route
 * once published `d` by exporting the private key (mocachain-facts.md §2.1).
 */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** The private members present in one JWK, in a stable order; empty when the key is public. */
export function findPrivateJwkMembers(jwk: object): string[] {
  return PRIVATE_JWK_MEMBERS.filter((member) => Object.hasOwn(jwk, member))
}
