import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { DomainEvent } from '../../src/domain/domain-event.js'
import { RelayError } from '../../src/errors/relay-error.js'
import type { InputRecord } from '../../src/kafka/input-record.js'
import { createSilentLogger } from '../../src/ops/logger.js'
import { decodeWithRetry } from '../../src/pipeline/decode-with-retry.js'
import type { EventDecoder } from '../../src/pipeline/ports.js'
import { fastRetryPolicy } from '../support/fast-retry-policy.js'

const record: InputRecord = {
  topic: 'kyc.completed',
  partition: 0,
  offset: '7',
  key: Buffer.from('k'),
  value: Buffer.from('{}'),
  headers: {},
  timestamp: '0',
}

const unavailable = (): RelayError =>
  new RelayError('SCHEMA_REGISTRY_UNAVAILABLE', 'the schema registry timed out', {
    classification: 'retryable',
  })

/** Decodes with `decode`, counting its calls. */
function decodeWith(decode: EventDecoder['decode'], stopping = new AbortController().signal) {
  let calls = 0
  const result = decodeWithRetry(
    {
      decoder: {
        decode: (input) => {
          calls++
          return decode(input)
        },
      },
      retryPolicy: fastRetryPolicy,
      now: Date.now,
    },
    { stopping, logger: createSilentLogger() },
    record,
  )
  return { result, calls: () => calls }
}

describe('decodeWithRetry', () => {
  it('returns a terminal RelayError of the decoder as the record’s failure, unchanged', async () => {
    const error = new RelayError('INPUT_UNDECODABLE', 'not JSON', { classification: 'terminal' })
    const { result, calls } = decodeWith(async () => {
      throw error
    })
    expect(await result).toBe(error)
    expect(calls()).toBe(1)
  })

  it('turns any other decoder error into INPUT_UNDECODABLE, keeping it as the cause', async () => {
    const thrown = new Error('Unexpected end of Avro data')
    const { result } = decodeWith(async () => {
      throw thrown
    })
    expect(await result).toMatchObject({
      code: 'INPUT_UNDECODABLE',
      classification: 'terminal',
      cause: thrown,
    })
  })

  it('throws a programmer error at once, without retrying it', async () => {
    const { result, calls } = decodeWith(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')")
    })
    await expect(result).rejects.toBeInstanceOf(TypeError)
    expect(calls()).toBe(1)
  })

  it('throws a systemic error (registry credentials refused) instead of failing the record', async () => {
    const refused = new RelayError('SCHEMA_REGISTRY_REJECTED', 'the registry answered 401', {
      classification: 'systemic',
    })
    const { result, calls } = decodeWith(async () => {
      throw refused
    })
    await expect(result).rejects.toBe(refused)
    expect(calls()).toBe(1)
  })

  it('gives up waiting for the registry when the partition stops, and returns null', async () => {
    const stop = new AbortController()
    let attempts = 0
    const { result } = decodeWith(async () => {
      if (++attempts === 2) stop.abort()
      throw unavailable()
    }, stop.signal)
    expect(await result).toBeNull()
    expect(attempts, 'no attempt after the stop').toBe(2)
  })

  // Was: a decode waiting on a registry that does not answer held the stopping partition (its
  // worker waits for the decode) for the registry client's whole timeout, and a rebalance or a
  // shutdown with it.
  it('returns null as soon as the partition stops, while a first decode still waits on the registry', async () => {
    const stop = new AbortController()
    const { result } = decodeWith(() => new Promise(() => undefined), stop.signal)
    setTimeout(() => stop.abort(), 10)
    expect(await result).toBeNull()
  })

  it('returns null as soon as the partition stops, while a retry still waits on the registry', async () => {
    const stop = new AbortController()
    let attempts = 0
    const { result } = decodeWith(async () => {
      if (++attempts === 1) throw unavailable()
      setTimeout(() => stop.abort(), 10)
      return new Promise(() => undefined)
    }, stop.signal)
    expect(await result).toBeNull()
    expect(attempts).toBe(2)
  })

  it('returns null for a decode the stop overtook, and leaves no rejection unhandled', async () => {
    const stop = new AbortController()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason)
    }
    process.on('unhandledRejection', onUnhandled)
    onTestFinished(() => {
      process.off('unhandledRejection', onUnhandled)
    })
    const { result } = decodeWith(async () => {
      stop.abort()
      throw new TypeError('a bug met after the stop')
    }, stop.signal)
    expect(await result).toBeNull()
    await new Promise((resolve) => setImmediate(resolve))
    expect(unhandled).toEqual([])
  })

  // Was: each decode was raced against one promise per partition that settles only at the stop,
  // and every race left it a reaction holding the decoded event. A partition kept every event it
  // had ever decoded until it stopped: a relay's heap grew with each record it read.
  it('keeps no decoded event once it is returned, while the partition runs on', async () => {
    const gc = exposedGc()
    const running = new AbortController()
    const decoded: WeakRef<DomainEvent>[] = []
    const ids = await decodeEvents(50, running.signal, decoded)
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `event-${i}`))
    // V8 keeps a WeakRef's target alive until the job that made it ends: collect in a later one.
    await new Promise((resolve) => setImmediate(resolve))
    gc()
    expect(decoded.flatMap((ref, i) => (ref.deref() === undefined ? [] : [i]))).toEqual([])
    expect(running.signal.aborted, 'the partition still runs').toBe(false)
  })
})

/** Decodes `count` events one after another, as a partition does; returns their ids. */
async function decodeEvents(
  count: number,
  stopping: AbortSignal,
  decoded: WeakRef<DomainEvent>[],
): Promise<(string | null)[]> {
  const ids: (string | null)[] = []
  for (let i = 0; i < count; i++) {
    const { result } = decodeWith(async () => {
      const event = { id: `event-${i}`, data: { email: `user${i}@example.com` } }
      decoded.push(new WeakRef(event as unknown as DomainEvent))
      return event as unknown as DomainEvent
    }, stopping)
    const event = await result
    ids.push(event instanceof RelayError || event === null ? null : event.id)
  }
  return ids
}

/** V8's full garbage collection, callable without starting node with --expose-gc. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}
