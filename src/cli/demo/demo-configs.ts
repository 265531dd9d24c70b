import type { SandboxConfigInput } from '../../sandbox/sandbox-config.js'
import { CONSENT_REJECTED_EMAIL, type SampleTopics } from './sample-events.js'

export const DEMO_PARTNER_ID = 'partner-demo'
export const DEMO_KEY_ID = 'demo-key'
export const DEMO_KEY_FILE = 'keys/partner-private-key.pem'

/** The documented example program (issue-on-behalf-api.txt), and a second one for memberships. */
const KYC_PROGRAM = {
  issuerDid: 'did:air:id:test:5P44fsVUhPctDTWH2Nz26pZJFsg6CqyiAELTGeVQDB',
  credentialId: 'c21s70g0i54sn0023172Cv',
}
const MEMBER_PROGRAM = {
  issuerDid: 'did:air:id:test:5P44fsVUhPctDTWH2Nz26pZJFsg6CqyiAELTGeVQDB',
  credentialId: 'c4m3mb3rsh1p0p4ss000Lv',
}

export interface DemoNames extends SampleTopics {
  readonly prefix: string
  readonly issued: string
  readonly onchain: string
  readonly failed: string
}

/** Every run of the demo gets its own topics, so a second run shows a fresh stream. */
export function demoNames(prefix: string): DemoNames {
  return {
    prefix,
    kyc: `${prefix}.kyc.completed`,
    membership: `${prefix}.member.joined`,
    issued: `${prefix}.credential.issued`,
    onchain: `${prefix}.credential.onchain`,
    failed: `${prefix}.credential.failed`,
  }
}

/** The relay's config: the file the demo writes, and the one `run`, `replay` and `redrive` then use. */
export function demoRelayConfig(input: {
  names: DemoNames
  brokers: readonly string[]
  sandboxUrl: string
  opsPort: number
}): Record<string, unknown> {
  const { names } = input
  return {
    kafka: { brokers: [...input.brokers], groupId: names.prefix, clientId: 'moca-relay-demo' },
    topics: {
      issued: names.issued,
      onchain: names.onchain,
      failed: names.failed,
      internalPrefix: `${names.prefix}.relay`,
      partitions: 6,
    },
    moca: {
      baseUrl: input.sandboxUrl,
      partnerId: DEMO_PARTNER_ID,
      key: { kid: DEMO_KEY_ID, file: DEMO_KEY_FILE },
    },
    ops: { port: input.opsPort },
    log: { level: 'warn' },
    routes: [
      {
        name: 'kyc-verified',
        topics: [names.kyc],
        filter: 'type = "kyc.completed"',
        program: KYC_PROGRAM,
        email: 'user.email',
        credentialSubject: {
          kycVerified: true,
          level: 'kyc.level',
          country: 'user.country',
          verifiedAt: 'occurredAt',
        },
      },
      {
        name: 'loyalty-member',
        topics: [names.membership],
        program: MEMBER_PROGRAM,
        email: 'email',
        credentialSubject: { tier: 'tier', memberNumber: 'memberNumber', since: '$event.time' },
      },
    ],
  }
}

/** The simulator's config: the partner (whose JWKS the relay serves), both programs, one user who said no. */
export function demoSandboxConfig(input: { jwksUrl: string }): SandboxConfigInput {
  return {
    partners: [{ partnerId: DEMO_PARTNER_ID, jwksUrl: input.jwksUrl }],
    programs: [
      {
        ...KYC_PROGRAM,
        partnerId: DEMO_PARTNER_ID,
        credentialSubjectSchema: {
          type: 'object',
          properties: {
            kycVerified: { type: 'boolean' },
            level: { type: 'integer' },
            country: { type: 'string' },
            verifiedAt: { type: 'string' },
          },
          required: ['kycVerified', 'level', 'country', 'verifiedAt'],
          additionalProperties: false,
        },
      },
      {
        ...MEMBER_PROGRAM,
        partnerId: DEMO_PARTNER_ID,
        credentialSubjectSchema: {
          type: 'object',
          properties: {
            tier: { type: 'string' },
            memberNumber: { type: 'integer' },
            since: { type: 'string' },
          },
          required: ['tier', 'memberNumber'],
          additionalProperties: false,
        },
      },
    ],
    users: [{ email: CONSENT_REJECTED_EMAIL, consentRejected: true }],
    // A credential reaches ONCHAIN after a second, as on Moca Chain (~1 s blocks).
    settings: { onchainDelayMs: 1_000 },
    jwks: { cacheMaxAgeMs: 60_000, cooldownMs: 1_000, timeoutMs: 2_000 },
    faults: {
      issue: { latency: { normalMs: { mean: 40, p99: 120 } } },
      status: { latency: { fixedMs: 15 } },
    },
  }
}
