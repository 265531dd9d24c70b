import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { RelayError } from '../errors/relay-error.js'

/** Checks a credentialSubject against its program's schema; returns why not, or null. */
export type SubjectValidator = (subject: unknown) => string | null

/**
 * One Ajv instance compiles every program schema once at start-up. Strict mode turns a typo in a
 * schema keyword into a start-up error instead of a schema that silently accepts everything.
 * Formats are not validated: ajv 8 needs ajv-formats for them, and MocaChain's checks are unknown.
 */
export function createSubjectValidatorFactory(): (
  credentialId: string,
  schema: object,
) => SubjectValidator {
  const ajv = new Ajv({ strict: true, allErrors: false, validateFormats: false })
  return (credentialId, schema) => {
    let validate: ValidateFunction
    try {
      validate = ajv.compile(schema)
    } catch (err) {
      throw new RelayError(
        'CONFIG_INVALID',
        `Sandbox program ${credentialId}: credentialSubjectSchema is not a valid JSON Schema: ${(err as Error).message}`,
        { classification: 'systemic', cause: err },
      )
    }
    return (subject) => (validate(subject) ? null : describe(validate.errors?.[0]))
  }
}

/** MocaChain's rule (mocachain-facts §1.1): missing fields, extra fields and wrong types all fail. */
function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'credentialSubject does not match the program schema'
  const at =
    error.instancePath === ''
      ? 'credentialSubject'
      : `credentialSubject${error.instancePath.replace(/\//g, '.')}`
  switch (error.keyword) {
    case 'required':
      return `Missing required field: ${at}.${String(error.params.missingProperty)}`
    case 'additionalProperties':
      return `Unexpected field: ${at}.${String(error.params.additionalProperty)}`
    case 'type':
      return `Invalid type for ${at}: expected ${String(error.params.type)}`
    default:
      return `Invalid value for ${at}: ${error.message ?? error.keyword}`
  }
}
