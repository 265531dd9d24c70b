import type { IHeaders } from 'kafkajs'

/** A record as produced to an input topic. */
export interface SampleRecord {
  readonly topic: string
  readonly key: string | null
  readonly value: string | Buffer | null
  readonly headers?: IHeaders
}

/** What the sample stream holds, so the demo can check every event was accounted for. */
export interface SampleStream {
  readonly records: readonly SampleRecord[]
  readonly expected: {
    /** Distinct issuances: what ends as credential.issued and then credential.onchain. */
    readonly issued: number
    readonly failed: number
    /** Records the ledger recognises as already issued (the duplicate delivery). */
    readonly duplicates: number
    /** Records a route filter skips. */
    readonly skipped: number
  }
}

export interface SampleTopics {
  readonly kyc: string
  readonly membership: string
}

/** A user whose consent to this partner was withdrawn: the sandbox answers 409. */
export const CONSENT_REJECTED_EMAIL = 'noah.refuses@example.com'

const FIRST_NAMES = [
  'ada',
  'grace',
  'alan',
  'edsger',
  'barbara',
  'donald',
  'margaret',
  'ken',
  'radia',
  'tim',
  'frances',
  'john',
  'katherine',
  'linus',
  'hedy',
  'dennis',
]
const COUNTRIES = ['FR', 'US', 'DE', 'JP', 'BR', 'IN', 'NG', 'CA']
const TIERS = ['bronze', 'silver', 'gold']

/**
 * A realistic upstream stream for the demo: KYC results as plain JSON and membership events as
 * CloudEvents (binary mode), over users who come back several times, plus what real streams
 * carry — a few poison records, a user who refused consent, an event delivered twice, and an
 * event type no route issues for.
 */
export function buildSampleStream(topics: SampleTopics, events: number): SampleStream {
  const records: SampleRecord[] = []
  const users = Math.max(8, Math.round(events / 12))
  const emailOf = (u: number): string => `${FIRST_NAMES[u % FIRST_NAMES.length]}.${u}@example.com`
  const kycCount = Math.round(events * 0.6)
  const memberCount = events - kycCount
  for (let i = 0; i < kycCount; i++) {
    const u = (i * 7) % users
    records.push({
      topic: topics.kyc,
      key: `user-${u}`,
      value: JSON.stringify({
        id: `kyc-${i}`,
        type: 'kyc.completed',
        // Unique per event: the demo's kyc route maps it to verifiedAt, so there every KYC result
        // is distinct content and its own credential. (examples/relay.yaml's kyc route leaves it
        // out: a user's repeat of the same level and country is a duplicate there, by design.)
        occurredAt: new Date(Date.UTC(2026, 10, 25, 9, 0, 0) + i * 1_000).toISOString(),
        user: { email: emailOf(u), country: COUNTRIES[u % COUNTRIES.length] },
        kyc: { level: 1 + (i % 3), provider: 'sumsub', checks: ['document', 'liveness'] },
      }),
    })
  }
  for (let i = 0; i < memberCount; i++) {
    const u = (i * 5) % users
    records.push({
      topic: topics.membership,
      key: `user-${u}`,
      value: JSON.stringify({
        email: emailOf(u),
        tier: TIERS[(i + u) % TIERS.length],
        memberNumber: 10_000 + i,
      }),
      headers: {
        ce_specversion: '1.0',
        ce_id: `join-${i}`,
        ce_type: 'member.joined',
        ce_source: '/loyalty/members',
        ce_time: new Date(Date.UTC(2026, 10, 25, 10, 0, 0) + i * 1_000).toISOString(),
        'content-type': 'application/json',
      },
    })
  }
  // Interleave the two topics' events in time, as two producers would.
  records.sort((a, b) => hash(a) - hash(b))

  const extras: SampleRecord[] = [
    // The same KYC result delivered twice (an upstream retry): issued once.
    records.find((r) => r.topic === topics.kyc) as SampleRecord,
    // An event type no route issues for: skipped by the kyc route's filter.
    {
      topic: topics.kyc,
      key: 'user-1',
      value: JSON.stringify({
        id: 'kyc-started-1',
        type: 'kyc.started',
        user: { email: emailOf(1) },
      }),
    },
    // Poison: truncated JSON, an event without an email, bytes that are not UTF-8.
    {
      topic: topics.kyc,
      key: 'user-2',
      value: '{"id":"kyc-broken","type":"kyc.completed","user":{"email":',
    },
    {
      topic: topics.kyc,
      key: 'user-3',
      value: JSON.stringify({
        id: 'kyc-no-email',
        type: 'kyc.completed',
        user: {},
        kyc: { level: 2 },
      }),
    },
    {
      topic: topics.membership,
      key: 'user-4',
      value: Buffer.from([0xc3, 0x28, 0x7b, 0x7d]),
      headers: {
        ce_specversion: '1.0',
        ce_id: 'join-garbled',
        ce_type: 'member.joined',
        ce_source: '/loyalty/members',
        'content-type': 'application/json',
      },
    },
    // A user who refused credentials from this partner: MocaChain answers 409.
    {
      topic: topics.kyc,
      key: 'user-noah',
      value: JSON.stringify({
        id: 'kyc-noah',
        type: 'kyc.completed',
        occurredAt: '2026-11-25T08:59:00.000Z',
        user: { email: CONSENT_REJECTED_EMAIL, country: 'GB' },
        kyc: { level: 2, provider: 'sumsub' },
      }),
    },
  ]
  for (const [index, extra] of extras.entries())
    records.splice(Math.floor(((index + 1) * records.length) / (extras.length + 1)), 0, extra)
  return {
    records,
    expected: { issued: kycCount + memberCount, failed: 4, duplicates: 1, skipped: 1 },
  }
}

/** A stable shuffle key. */
function hash(record: SampleRecord): number {
  const text = typeof record.value === 'string' ? record.value : ''
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return h >>> 0
}
