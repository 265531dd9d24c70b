import { afterEach, beforeEach, vi } from 'vitest'

/** Each test of the enclosing describe runs on fake timers, its clock starting at `now`. */
export function useFakeTimersFrom(now: number): void {
  beforeEach(() => {
    vi.useFakeTimers({ now })
  })
  afterEach(() => {
    vi.useRealTimers()
  })
}
