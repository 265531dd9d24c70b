import { describe, expect, it } from 'vitest'
import { newRunId } from '../../src/cli/run-id.js'

describe('run ids of replay and redrive', () => {
  it('differ for runs started in the same second, so they never share a consumer group', () => {
    const ids = Array.from({ length: 5 }, () => newRunId('replay'))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^replay-\d{14}-[0-9a-f]{6}$/)
  })
})
