import { Kafka, logLevel } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { isConsumerRestarting } from '../../src/pipeline/stage-runner.js'

/**
 * The stage runner tolerates kafkajs's pause, resume and seek throwing while kafkajs restarts a
 * crashed consumer (it then has no group), and recognises that error by its text: kafkajs gives
 * it no code. A kafkajs consumer that has not run yet is in the same state, so the real error is
 * checked here, and a kafkajs upgrade that changes the text fails this test instead of crashing
 * relays after a broker restart.
 */
describe('isConsumerRestarting', () => {
  const consumer = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING }).consumer({
    groupId: 'never-joins',
  })
  const thrown = (action: () => void): unknown => {
    try {
      action()
    } catch (err) {
      return err
    }
    throw new Error('kafkajs did not throw')
  }

  it('recognises what kafkajs throws from pause, resume and seek without a consumer group', () => {
    const tp = [{ topic: 't', partitions: [0] }]
    expect(isConsumerRestarting(thrown(() => consumer.pause(tp)))).toBe(true)
    expect(isConsumerRestarting(thrown(() => consumer.resume(tp)))).toBe(true)
    expect(
      isConsumerRestarting(thrown(() => consumer.seek({ topic: 't', partition: 0, offset: '0' }))),
    ).toBe(true)
  })

  it('does not take other errors for it', () => {
    expect(isConsumerRestarting(new Error('Consumer group was not initialized'))).toBe(false)
    expect(
      isConsumerRestarting(thrown(() => consumer.seek({ topic: 't', partition: 0, offset: '-5' }))),
    ).toBe(false)
  })
})
