import { readEnvOrFail } from '../../config/load-config.js'
import type { Command } from '../command.js'
import { parseCommandLine } from '../usage-error.js'
import { demoNames } from './demo-configs.js'
import { createInputTopics, produceSamples } from './produce-samples.js'
import { buildSampleStream } from './sample-events.js'

const USAGE = `Usage:
  moca-relay samples [--prefix demo] [--events 600]
      Produces the demo's sample stream to <prefix>.kyc.completed (JSON) and
      <prefix>.member.joined (CloudEvents), creating them if missing, on KAFKA_BROKERS
      (default 127.0.0.1:9092). Beside the --events regular events come 6 more that real
      streams carry: poison records, a user who refused consent (noah.refuses@example.com),
      an event delivered twice and one no route issues for. docker compose runs it once
      before the relay starts.`

export function createSamplesCommand(): Command {
  return {
    name: 'samples',
    summary: "Produce the demo's sample domain events to Kafka.",
    usage: USAGE,
    async run(args) {
      const parsed = parseCommandLine('samples', USAGE, {
        args: [...args],
        options: {
          prefix: { type: 'string', default: 'demo' },
          events: { type: 'string', default: '600' },
        },
      })
      if (parsed === null) return 2
      const { values } = parsed
      const events = Number(values.events)
      if (!Number.isInteger(events) || events < 10) {
        process.stderr.write(
          'moca-relay samples: --events must be a whole number of at least 10.\n',
        )
        return 2
      }
      const brokers = (readEnvOrFail().KAFKA_BROKERS ?? '127.0.0.1:9092')
        .split(',')
        .map((b) => b.trim())
      const names = demoNames(values.prefix)
      const stream = buildSampleStream(names, events)
      await createInputTopics(brokers, names)
      await produceSamples(brokers, stream, { bursts: 1, pauseMs: 0 })
      process.stdout.write(
        `produced ${stream.records.length} events to ${names.kyc} and ${names.membership}\n`,
      )
      return 0
    },
  }
}
