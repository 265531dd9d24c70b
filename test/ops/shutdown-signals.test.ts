import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  abortOnShutdownSignals,
  armShutdownDeadline,
  untilShutdownSignal,
} from '../../src/ops/shutdown-signals.js'

type Listener = (signal: NodeJS.Signals) => void
const SIGNALS = ['SIGINT', 'SIGTERM'] as const
type Signal = (typeof SIGNALS)[number]

/** Listeners the tests made the module add, removed after each test. */
const added: [NodeJS.Signals, Listener][] = []

/**
 * Runs `register` and returns the one listener it added per signal. The tests call those
 * listeners directly: a real signal would reach the vitest worker itself.
 */
function listenersAddedBy<T>(register: () => T): {
  result: T
  listeners: Record<Signal, Listener>
} {
  const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]))
  const result = register()
  const listeners = {} as Record<Signal, Listener>
  for (const s of SIGNALS) {
    const fresh = process.listeners(s).filter((l) => !before.get(s)?.includes(l)) as Listener[]
    for (const l of fresh) added.push([s, l])
    expect(fresh).toHaveLength(1)
    listeners[s] = fresh[0]!
  }
  return { result, listeners }
}

afterEach(() => {
  // untilShutdownSignal never removes its listeners (the process ends after it): the test must.
  for (const [s, l] of added.splice(0)) process.off(s, l)
  vi.restoreAllMocks()
  vi.useRealTimers()
})

describe('untilShutdownSignal', () => {
  it('resolves on the first signal and forces the exit on a second one', async () => {
    const onForced = vi.fn()
    const { result, listeners } = listenersAddedBy(() => untilShutdownSignal(onForced))
    listeners.SIGTERM('SIGTERM')
    expect(await result).toBe('SIGTERM')
    expect(onForced).not.toHaveBeenCalled()
    listeners.SIGINT('SIGINT')
    expect(onForced).toHaveBeenCalledExactlyOnceWith('SIGINT')
  })

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('a second %s exits with %i, 128 + the signal number', async (signal, code) => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never)
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const { result, listeners } = listenersAddedBy(() => untilShutdownSignal())
    listeners[signal](signal)
    await result
    expect(exit).not.toHaveBeenCalled()
    listeners[signal](signal)
    expect(exit).toHaveBeenCalledExactlyOnceWith(code)
    expect(stderr).toHaveBeenCalledWith(`moca-relay: second ${signal}: exiting without draining\n`)
  })
})

describe('armShutdownDeadline', () => {
  it('calls onExpired once the budget has passed', () => {
    vi.useFakeTimers()
    const onExpired = vi.fn()
    armShutdownDeadline(1_000, onExpired)
    vi.advanceTimersByTime(999)
    expect(onExpired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(onExpired).toHaveBeenCalledOnce()
  })

  it('never calls onExpired once disarmed (a shutdown that finished in time)', () => {
    vi.useFakeTimers()
    const onExpired = vi.fn()
    const disarm = armShutdownDeadline(1_000, onExpired)
    vi.advanceTimersByTime(500)
    disarm()
    vi.advanceTimersByTime(10_000)
    expect(onExpired).not.toHaveBeenCalled()
  })
})

describe('abortOnShutdownSignals', () => {
  it.each(SIGNALS)('aborts on %s', (signal) => {
    const { result: shutdown, listeners } = listenersAddedBy(() => abortOnShutdownSignals())
    expect(shutdown.signal.aborted).toBe(false)
    listeners[signal](signal)
    expect(shutdown.signal.aborted).toBe(true)
  })

  it('dispose() removes both listeners it added, and only those', () => {
    const other = (): void => {}
    process.on('SIGINT', other)
    try {
      const before = SIGNALS.map((s) => process.listeners(s))
      const shutdown = abortOnShutdownSignals()
      expect(SIGNALS.map((s) => process.listenerCount(s))).toEqual(before.map((l) => l.length + 1))
      shutdown.dispose()
      expect(SIGNALS.map((s) => process.listeners(s))).toEqual(before)
    } finally {
      process.off('SIGINT', other)
    }
  })
})
