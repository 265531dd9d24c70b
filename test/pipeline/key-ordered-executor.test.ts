import { describe, expect, it } from 'vitest'
import { createKeyOrderedExecutor } from '../../src/pipeline/key-ordered-executor.js'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe('createKeyOrderedExecutor', () => {
  it('runs tasks of one key one at a time, in submission order', async () => {
    const log: string[] = []
    const gates = new Map<string, ReturnType<typeof deferred>>()
    const executor = createKeyOrderedExecutor<string>({
      run: async (task) => {
        log.push(`start ${task}`)
        const gate = deferred()
        gates.set(task, gate)
        await gate.promise
        log.push(`end ${task}`)
      },
      onBug: (err) => {
        throw err
      },
    })
    executor.submit('alice', 'a1')
    executor.submit('alice', 'a2')
    executor.submit('bob', 'b1')
    await Promise.resolve()
    // a2 waits for a1; b1 runs beside a1.
    expect(log).toEqual(['start a1', 'start b1'])
    expect(executor.running).toBe(2)
    expect(executor.waiting).toBe(1)
    gates.get('b1')!.resolve()
    await new Promise((r) => setImmediate(r))
    expect(log).toEqual(['start a1', 'start b1', 'end b1'])
    gates.get('a1')!.resolve()
    await new Promise((r) => setImmediate(r))
    expect(log.slice(3)).toEqual(['end a1', 'start a2'])
    gates.get('a2')!.resolve()
    await executor.whenIdle()
    expect(log.at(-1)).toBe('end a2')
  })

  it('keeps submission order for three tasks of one key, and runs a key again after it went idle', async () => {
    const ran: string[] = []
    const executor = createKeyOrderedExecutor<string>({
      run: async (task) => {
        await new Promise((r) => setImmediate(r))
        ran.push(task)
      },
      onBug: (err) => {
        throw err
      },
    })
    for (const task of ['a1', 'a2', 'a3']) executor.submit('alice', task)
    await executor.whenIdle()
    expect(ran).toEqual(['a1', 'a2', 'a3'])

    executor.submit('alice', 'a4')
    await executor.whenIdle()
    expect(ran.at(-1)).toBe('a4')
  })

  it('reports a task that rejects as a bug and still runs the next task of its key', async () => {
    const bugs: unknown[] = []
    const ran: string[] = []
    const executor = createKeyOrderedExecutor<string>({
      run: async (task) => {
        ran.push(task)
        if (task === 'boom') throw new Error('boom')
      },
      onBug: (err) => bugs.push(err),
    })
    executor.submit('k', 'boom')
    executor.submit('k', 'next')
    await executor.whenIdle()
    expect(ran).toEqual(['boom', 'next'])
    expect(bugs).toHaveLength(1)
  })

  it('reports a task that throws before it returns its promise, and runs its key on', async () => {
    const ran: string[] = []
    const bugs: unknown[] = []
    const executor = createKeyOrderedExecutor<string>({
      run: (task) => {
        if (task === 'a1') throw new Error('thrown before any await')
        ran.push(task)
        return Promise.resolve()
      },
      onBug: (err) => void bugs.push(err),
    })
    expect(() => executor.submit('alice', 'a1')).not.toThrow()
    executor.submit('alice', 'a2')
    executor.submit('bob', 'b1')
    await executor.whenIdle()
    expect(ran.sort()).toEqual(['a2', 'b1'])
    expect(bugs).toHaveLength(1)
    expect(executor.running).toBe(0)
  })
})
