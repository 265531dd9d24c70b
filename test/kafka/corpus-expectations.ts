import { expect } from 'vitest'
import { RelayError } from '../../src/errors/relay-error.js'
import type { InputDecoder } from '../../src/kafka/input-decoder.js'
import type { BadInput } from '../fixtures/bad-input-corpus.js'

/** Printable ASCII only: a message must never carry raw bytes from the record. */
const PRINTABLE_MESSAGE = /^[\x20-\x7e]+$/

/** A matcher for a message that gives `reason`: as a substring, or matching the RegExp. */
export function reasonMatcher(reason: string | RegExp): unknown {
  return typeof reason === 'string'
    ? expect.stringContaining(reason)
    : expect.stringMatching(reason)
}

/** Shared by the corpus tests with and without a registry. */
export async function expectCorpusOutcome(decoder: InputDecoder, entry: BadInput): Promise<void> {
  const outcome = await decoder.decode(entry.record).then(
    (event) => ({ event }),
    (error: unknown) => ({ error }),
  )
  if ('decodes' in entry.expect) {
    if ('error' in outcome) throw outcome.error
    if (entry.expect.event) expect(outcome.event).toMatchObject(entry.expect.event)
    return
  }
  if (!('error' in outcome)) {
    throw new Error(
      `expected ${entry.expect.code}, but it decoded: ${JSON.stringify(outcome.event)}`,
    )
  }
  const err = outcome.error
  expect(err).toBeInstanceOf(RelayError)
  const relayError = err as RelayError
  // Code and message together, so that a failure shows the message the reason was looked for in.
  expect({ code: relayError.code, message: relayError.message }).toEqual({
    code: entry.expect.code,
    message: reasonMatcher(entry.expect.reason),
  })
  expect(relayError.classification).toBe('terminal')
  expect(relayError.message).toMatch(PRINTABLE_MESSAGE)
  expect(relayError.message.length).toBeGreaterThan(20)
  // Hostile headers and values are quoted in bounded excerpts, never copied whole.
  expect(relayError.message.length).toBeLessThan(1200)
}
