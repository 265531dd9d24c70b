import { expect } from 'vitest'
import { isMocaError, type MocaError } from '../../src/moca/moca-error.js'

/** Awaits a call that must fail, and returns its MocaError for assertions. */
export async function catchMocaError(call: Promise<unknown>): Promise<MocaError> {
  let caught: unknown
  try {
    await call
  } catch (err) {
    caught = err
  }
  expect(caught, 'the call should have failed').toBeDefined()
  expect(isMocaError(caught), `expected a MocaError, got ${String(caught)}`).toBe(true)
  return caught as MocaError
}
