import { onTestFinished } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { createJwksDocument } from '../../src/auth/jwks-document.js'
import { loadSigningKey, type SigningKey } from '../../src/auth/load-signing-key.js'
import {
  createPartnerTokenCache,
  type PartnerTokenCache,
} from '../../src/auth/partner-token-cache.js'
import {
  createPartnerTokenSigner,
  type PartnerTokenSigner,
} from '../../src/auth/partner-token-signer.js'
import type { SigningAlgorithm } from '../../src/auth/signing-algorithm.js'
import type { ProgramRef } from '../../src/domain/issuance-command.js'
import { createMocaClient, type HttpMocaClient } from '../../src/moca/http-moca-client.js'
import type { MocaClientOptions } from '../../src/moca/moca-client-options.js'
import type { IssueCall } from '../../src/moca/moca-client.js'
import type { SandboxConfigInput, SandboxSettings } from '../../src/sandbox/sandbox-config.js'
import type { SandboxFaultsInput } from '../../src/sandbox/sandbox-faults.js'
import { startSandbox, type SandboxHandle } from '../../src/sandbox/start-sandbox.js'
import type { Logger } from '../../src/ops/logger.js'
import { startJwksServer, type JwksServer } from './jwks-server.js'

export const PARTNER_ID = 'partner-test'
export const PROGRAM: ProgramRef = {
  issuerDid: 'did:air:id:test:5P44fsVUhPctDTWH2Nz26pZJFsg6CqyiAELTGeVQDB',
  credentialId: 'c21s70g0i54sn0023172Cv',
}
/** The documented example subject, and a schema that matches it exactly. */
export const SUBJECT = { age: 25, location: 'United States', isMember: true }
export const SUBJECT_SCHEMA = {
  type: 'object',
  properties: {
    age: { type: 'integer' },
    location: { type: 'string' },
    isMember: { type: 'boolean' },
  },
  required: ['age', 'location', 'isMember'],
  additionalProperties: false,
}

export interface FixtureOptions {
  readonly alg?: SigningAlgorithm
  readonly settings?: Partial<SandboxSettings>
  readonly faults?: SandboxFaultsInput
  /** Extra config merged over the default (programs, users, jwks timings…). */
  readonly config?: Partial<SandboxConfigInput>
  readonly logger?: Logger
  /** Partners besides PARTNER_ID, each with its own fresh key and JWKS server (same alg). */
  readonly otherPartners?: readonly string[]
  /** The sandbox's clock. @default Date.now */
  readonly now?: () => number
}

/** One partner as the sandbox knows it: a key, the JWKS server publishing it, and its tokens. */
export interface PartnerFixture {
  readonly partnerId: string
  readonly jwks: JwksServer
  readonly key: SigningKey
  /** The partner private key as PKCS#8 PEM, for a relay configured in a test. */
  readonly privateKeyPem: string
  readonly signer: PartnerTokenSigner
  readonly tokens: PartnerTokenCache
  /** A MocaClient on the sandbox signing as this partner; closed when the test ends. */
  client(options?: Partial<MocaClientOptions>): HttpMocaClient
}

/** The fixture is PARTNER_ID's PartnerFixture, plus the sandbox and the other partners. */
export interface SandboxFixture extends PartnerFixture {
  readonly sandbox: SandboxHandle
  /** A partner named in `otherPartners`; throws for any other id. */
  partner(partnerId: string): PartnerFixture
  /** An issue call for the default program. */
  issueCall(overrides?: Partial<IssueCall>): IssueCall
}

let emailCounter = 0
/** A fresh user per call, so tests never share sandbox state by accident. */
export function uniqueEmail(prefix = 'user'): string {
  emailCounter += 1
  return `${prefix}-${process.pid}-${emailCounter}@example.com`
}

/**
 * A partner with a fresh key whose JWKS is served over HTTP (and as many other partners as asked
 * for), and a sandbox pointed at them, all on port 0 and closed when the current test finishes.
 */
export async function startSandboxFixture(options: FixtureOptions = {}): Promise<SandboxFixture> {
  const alg = options.alg ?? 'ES256'
  const partnerIds = [PARTNER_ID, ...(options.otherPartners ?? [])]
  const parts = await Promise.all(partnerIds.map((partnerId) => startPartner(partnerId, alg)))
  const sandbox = await startSandbox({
    logger: options.logger,
    now: options.now,
    config: {
      partners: parts.map((p) => ({ partnerId: p.partnerId, jwksUrl: p.jwks.url })),
      programs: [{ ...PROGRAM, partnerId: PARTNER_ID, credentialSubjectSchema: SUBJECT_SCHEMA }],
      settings: { onchainDelayMs: 200, ...options.settings },
      faults: options.faults,
      ...options.config,
    },
  })
  onTestFinished(() => sandbox.close())
  const partners = new Map(parts.map((p) => [p.partnerId, withClient(p, sandbox.url)]))
  return {
    ...partners.get(PARTNER_ID)!,
    sandbox,
    partner(partnerId) {
      const found = partners.get(partnerId)
      if (found === undefined) throw new Error(`no partner "${partnerId}" in this fixture`)
      return found
    },
    issueCall(overrides = {}) {
      return {
        program: PROGRAM,
        email: uniqueEmail(),
        credentialSubject: SUBJECT,
        onDuplicate: 'revoke',
        idempotencyKey: `key-${emailCounter}`,
        ...overrides,
      }
    },
  }
}

async function startPartner(
  partnerId: string,
  alg: SigningAlgorithm,
): Promise<Omit<PartnerFixture, 'client'>> {
  const generated = await generatePartnerKey({ alg })
  const key = await loadSigningKey({ source: { kind: 'text', text: generated.privateKeyPem } })
  const jwks = await startJwksServer(createJwksDocument([key.publicJwk]))
  onTestFinished(() => jwks.close())
  const signer = createPartnerTokenSigner({ key, partnerId })
  const tokens = createPartnerTokenCache({ signer })
  return { partnerId, jwks, key, privateKeyPem: generated.privateKeyPem, signer, tokens }
}

function withClient(partner: Omit<PartnerFixture, 'client'>, baseUrl: string): PartnerFixture {
  return {
    ...partner,
    client(clientOptions = {}) {
      const client = createMocaClient({
        options: { baseUrl, ...clientOptions },
        tokens: partner.tokens,
      })
      onTestFinished(() => client.close())
      return client
    },
  }
}
