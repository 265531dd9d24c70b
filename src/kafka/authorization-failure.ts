/**
 * True for the kafkajs error types the cluster's authorizer answers with (TOPIC_, GROUP_,
 * TRANSACTIONAL_ID_, CLUSTER_AUTHORIZATION_FAILED): an ACL is missing, and asking again will not
 * help until it is granted.
 */
export function isAuthorizationFailure(type: unknown): type is string {
  return typeof type === 'string' && type.endsWith('_AUTHORIZATION_FAILED')
}

/** The short form, for log lines beside an error that carries GRANT_ACLS_FIX. */
export const ACL_MISSING = 'an ACL is missing: `moca-relay acls` lists them'

/** What to do about a refusal, for the messages that report one. */
export const GRANT_ACLS_FIX =
  '`moca-relay acls --config <file>` prints every ACL the relay needs; grant them to its principal'
