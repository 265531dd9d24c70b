import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encodeConfirmRequest } from '../../src/pipeline/confirm-request.js'
import {
  answer,
  confirmPartition,
  confirmRequest,
  ISSUED_AT,
  TOPICS,
} from '../support/confirm-harness.js'

/**
 * An unknown vcStatus is MocaChain's text: it reached the CONFIRM_TIMEOUT message of
 * credential.failed unquoted (control characters, an email, any length), and a warning was logged
 * on every poll that saw it.
 */
describe('confirm stage, an unknown vcStatus', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: ISSUED_AT })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('is quoted in the CONFIRM_TIMEOUT message and warned about once while it stays the same', async () => {
    const odd = `PENDING\r\nFORGED log line for bob@example.com ${'x'.repeat(200)}`
    const p = confirmPartition(() => answer(odd))
    p.deliver(encodeConfirmRequest(confirmRequest()))
    await vi.advanceTimersByTimeAsync(25_000)

    const [failed] = p.events(TOPICS.failed) as { failure: { code: string; message: string } }[]
    expect(failed?.failure.code).toBe('CONFIRM_TIMEOUT')
    expect(failed?.failure.message).toContain('last status: PENDING\\r\\nFORGED log line for b***@')
    expect(failed?.failure.message).not.toContain('\n')
    expect(failed?.failure.message).not.toContain('x'.repeat(60))
    expect(p.polls.length).toBeGreaterThan(2)
    const warnings = p.logLines.filter(
      (l) => l.msg === 'MocaChain reported an unknown vcStatus; still polling',
    )
    expect(warnings).toHaveLength(1)
  })
})
