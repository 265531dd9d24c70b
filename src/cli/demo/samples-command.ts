import { readEnvOrFail } from '../../config/load-config.js'
import type { Command } from '../command.js'
import { parseCommandLine, refuseUsage } from '../usage-error.js'
import { demoNames } from './demo-configs.js'
import { createInputTopics, produceSamples } from './produce-samples.js'
import { buildSampleStream, type SampleTopics } from './sample-events.js'

/** The input topics of examples/relay.yaml's routes. */
const EXAMPLE_INPUT_TOPICS: SampleTopics = { kyc: 'kyc.completed', membership: 'member.joined' }

const USAGE = `Usage:
  moca-relay samples [--prefix demo | --no-prefix] [--events 600]
      Produces the demo's sample stream to <prefix>.kyc.completed (JSON) and
      <prefix>.member.joined (CloudEvents), creating them if missing, on KAFKA_BROKERS
      (default 127.0.0.1:9092). Beside the --events regular events come 6 more that real
      streams carry: poison records, a user who refused consent (noah.refuses@example.com),
      an event delivered twice and one no route issues for. docker compose runs it once
      before the relay starts.
      --no-prefix writes to kyc.completed and member.joined: the input topics of
      examples/relay.yaml, which then runs as is against examples/sandbox.yaml.`

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
          'no-prefix': { type: 'boolean', default: false },
          events: { type: 'string', default: '600' },
        },
        tokens: true,
      })
      if (parsed === null) return 2
      const { values, tokens } = parsed
      const prefixGiven = tokens.some((t) => t.kind === 'option' && t.name === 'prefix')
      if (values['no-prefix'] && prefixGiven) {
        return refuseUsage(
          process.stderr,
          'samples',
          USAGE,
          'give --prefix or --no-prefix, not both',
        )
      }
      const events = Number(values.events)
      if (!Number.isInteger(events) || events < 10) {
        return refuseUsage(
          process.stderr,
          'samples',
          USAGE,
          `--events must be a whole number of at least 10; got "${values.events}"`,
        )
      }
      const brokers = (readEnvOrFail().KAFKA_BROKERS ?? '127.0.0.1:9092')
        .split(',')
        .map((b) => b.trim())
      const topics: SampleTopics = values['no-prefix']
        ? EXAMPLE_INPUT_TOPICS
        : demoNames(values.prefix)
      const stream = buildSampleStream(topics, events)
      await createInputTopics(brokers, topics)
      await produceSamples(brokers, stream, { bursts: 1, pauseMs: 0 })
      process.stdout.write(
        `produced ${stream.records.length} events to ${topics.kyc} and ${topics.membership}\n`,
      )
      return 0
    },
  }
}
