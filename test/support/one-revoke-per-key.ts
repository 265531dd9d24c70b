import { expect } from 'vitest'
import type { RelayFixture } from './relay-fixture.js'

/** MocaChain applied exactly one "revoke" issue call for each of `count` keys: none issued twice. */
export function expectOneAppliedRevokePerKey(
  fixture: Pick<RelayFixture, 'issueCalls'>,
  count: number,
): void {
  const applied = fixture
    .issueCalls()
    .filter((c) => c.onDuplicate === 'revoke' && c.applied)
    .map((c) => c.idempotencyKey)
  expect(applied).toHaveLength(count)
  expect(new Set(applied).size).toBe(count)
}
