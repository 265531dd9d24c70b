/**
 * Scenarios B1/B2, the worker side: the seed's code shape, as MocaChain's "Basic issue + poll"
 * sample writes it. An eachMessage handler signs a partner JWT (no cache: the sample's
 * getPartnerJwt signs per call), POSTs issue-on-behalf with fetch, polls status from 1 s,
 * doubling, until ONCHAIN (MocaChain's guidance; the sample itself shows no loop), then produces
 * credential.issued and credential.onchain with two awaited sends. Its sequential loops are the
 * point of this baseline, not a style to copy.
 *
 * Too slow to drain a 20,000-event backlog, so it runs for a fixed window and reports how many
 * events it finished in that window.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { loadSigningKey } from '../../src/auth/load-signing-key.js'
import { createPartnerTokenSigner } from '../../src/auth/partner-token-signer.js'
import { serveWorker } from '../support/bench-worker.js'
import { percentile, sortedCopy } from '../support/percentiles.js'
import type { BenchEvent } from '../support/bench-events.js'

export interface NaiveSettings {
  readonly brokers: readonly string[]
  readonly groupId: string
  readonly inputTopic: string
  readonly issuedTopic: string
  readonly onchainTopic: string
  readonly sandboxUrl: string
  readonly privateKeyPem: string
  readonly kid: string
  readonly partnerId: string
  readonly program: { readonly issuerDid: string; readonly credentialId: string }
  readonly partitionsConsumedConcurrently: number
  readonly windowMs: number
}

export interface NaiveReport {
  /** Events fully handled (both outputs produced) within the window. */
  readonly completed: number
  readonly windowMs: number
  readonly cpuMs: number
  readonly maxRssBytes: number
  /** Time one handler took, issue to last produce: p50, p99, over the events of the window. */
  readonly handlerP50Ms: number
  readonly handlerP99Ms: number
  readonly statusCallsPerEvent: number
  readonly errors: number
}

/** MocaChain's polling guidance: first look after 1 s, doubling, at most 30 s apart. */
const FIRST_POLL_MS = 1_000
const MAX_POLL_MS = 30_000

serveWorker<NaiveSettings, NaiveReport>(async (settings) => {
  const key = await loadSigningKey({
    source: { kind: 'text', text: settings.privateKeyPem },
    kid: settings.kid,
  })
  const signer = createPartnerTokenSigner({ key, partnerId: settings.partnerId })
  const kafka = new Kafka({
    clientId: settings.groupId,
    brokers: [...settings.brokers],
    logLevel: logLevel.NOTHING,
  })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  const consumer = kafka.consumer({ groupId: settings.groupId })
  await Promise.all([producer.connect(), consumer.connect()])
  await consumer.subscribe({ topic: settings.inputTopic, fromBeginning: true })

  let windowEnd = Number.POSITIVE_INFINITY
  let cpuBefore: NodeJS.CpuUsage | null = null
  let completed = 0
  const handlerMs: number[] = []
  let statusCalls = 0
  let errors = 0
  let finish: (report: NaiveReport) => void = () => undefined
  const done = new Promise<NaiveReport>((resolve) => (finish = resolve))

  const getPartnerJwt = async (email: string): Promise<string> => (await signer.sign(email)).token

  async function issueOnBehalf(
    event: BenchEvent,
  ): Promise<{ coreClaimHash: string; userUuid: string }> {
    const res = await fetch(`${settings.sandboxUrl}/credentials/issue-on-behalf`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'x-partner-auth': await getPartnerJwt(event.email),
      },
      body: JSON.stringify({
        ...settings.program,
        credentialSubject: { age: event.age, location: event.location, isMember: event.isMember },
        onDuplicate: 'revoke',
      }),
    })
    if (!res.ok) throw new Error(`Issue failed: ${res.status}`)
    return (await res.json()) as { coreClaimHash: string; userUuid: string }
  }

  async function getStatus(email: string, coreClaimHash: string): Promise<{ vcStatus: string }> {
    statusCalls++
    const res = await fetch(
      `${settings.sandboxUrl}/credentials/status?coreClaimHash=${encodeURIComponent(coreClaimHash)}`,
      { headers: { 'x-partner-auth': await getPartnerJwt(email) } },
    )
    if (!res.ok) throw new Error(`Status failed: ${res.status}`)
    return (await res.json()) as { vcStatus: string }
  }

  await consumer.run({
    partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
    eachMessage: async ({ message }) => {
      const startedAt = performance.now()
      if (cpuBefore === null) {
        cpuBefore = process.cpuUsage()
        windowEnd = startedAt + settings.windowMs
        setTimeout(() => {
          const cpu = process.cpuUsage(cpuBefore ?? undefined)
          finish({
            completed,
            windowMs: settings.windowMs,
            cpuMs: (cpu.user + cpu.system) / 1000,
            maxRssBytes: process.resourceUsage().maxRSS * 1024,
            handlerP50Ms: percentile(sortedCopy(handlerMs), 0.5),
            handlerP99Ms: percentile(sortedCopy(handlerMs), 0.99),
            statusCallsPerEvent: completed === 0 ? 0 : statusCalls / completed,
            errors,
          })
        }, settings.windowMs)
      }
      if (startedAt >= windowEnd) return
      const event = JSON.parse(message.value?.toString('utf8') ?? '{}') as BenchEvent
      try {
        const issued = await issueOnBehalf(event)
        for (let delay = FIRST_POLL_MS; ; delay = Math.min(delay * 2, MAX_POLL_MS)) {
          await new Promise((resolve) => setTimeout(resolve, delay))
          if ((await getStatus(event.email, issued.coreClaimHash)).vcStatus === 'ONCHAIN') break
        }
        const source = { topic: settings.inputTopic, eventId: event.id }
        await producer.send({
          topic: settings.issuedTopic,
          messages: [
            {
              key: event.email,
              value: JSON.stringify({ type: 'credential.issued', ...issued, source }),
            },
          ],
        })
        await producer.send({
          topic: settings.onchainTopic,
          messages: [
            {
              key: event.email,
              value: JSON.stringify({ type: 'credential.onchain', ...issued, source }),
            },
          ],
        })
        if (performance.now() <= windowEnd) {
          completed++
          handlerMs.push(performance.now() - startedAt)
        }
      } catch (err) {
        errors++
        console.error(err)
      }
    },
  })
  return done
})
