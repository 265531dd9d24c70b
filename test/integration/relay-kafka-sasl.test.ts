import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { waitUntil } from '../../bench/support/wait-until.js'
import { distinctUserEvents, startRelayFixture } from '../support/relay-fixture.js'
import { captureLogs } from '../support/capture-logs.js'
import { startOAuthServer, type OAuthServer } from '../support/oauth-server.js'
import { startSaslBroker, type SaslBroker } from '../support/sasl-broker.js'
import { scanForSecrets } from '../support/secret-scan.js'

/** The broker of the suite's own takes ~10 s to start. */
const START_TIMEOUT_MS = 120_000
const TEST_TIMEOUT_MS = 90_000

describe('kafka.sasl against a broker that requires it', () => {
  let idp: OAuthServer
  let strangerIdp: OAuthServer
  let sasl: SaslBroker

  beforeAll(async () => {
    idp = await startOAuthServer({ clients: { 'moca-relay': 'client-secret' } })
    strangerIdp = await startOAuthServer({ clients: { 'moca-relay': 'client-secret' } })
    sasl = await startSaslBroker({
      plain: { relay: 'plain-secret' },
      scram: { relay: 'scram-secret' },
      oauth: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: 'kafka' },
    })
  }, START_TIMEOUT_MS)

  afterAll(async () => {
    await sasl?.broker.remove()
    await idp?.close()
    await strangerIdp?.close()
  })

  /** A fixture whose own clients use the plaintext listener; the relay gets only the SASL one. */
  async function fixtureWithEvents(count: number) {
    const fixture = await startRelayFixture({ brokers: [sasl.broker.address], partitions: 2 })
    await fixture.produce(fixture.topics.kyc, distinctUserEvents(count))
    return fixture
  }

  /** Runs six events through a relay on the SASL listener; returns its debug log, kafkajs's too. */
  async function expectRunsThrough(sasl: Record<string, unknown>) {
    const fixture = await fixtureWithEvents(6)
    const { logger, lines } = captureLogs('debug')
    await fixture.startRelay({ config: { kafka: { brokers: [saslAddress()], sasl } }, logger })
    const out = await fixture.readOutputs((e) => e.onchain.length >= 6)
    expect(out.onchain).toHaveLength(6)
    expect(out.failed).toHaveLength(0)
    return { log: lines.map((line) => JSON.stringify(line)).join('\n'), fixture }
  }

  const saslAddress = () => sasl.saslAddress

  it(
    'plain: a wrong password stops start-up naming the user and the settings; the right one runs',
    async () => {
      const fixture = await fixtureWithEvents(0)
      await expect(
        fixture.startRelay({
          config: {
            kafka: {
              brokers: [saslAddress()],
              sasl: { mechanism: 'plain', username: 'relay', password: 'not-the-password' },
            },
          },
        }),
      ).rejects.toMatchObject({
        code: 'KAFKA_AUTH_FAILED',
        message: expect.stringMatching(
          /Kafka at 127\.0\.0\.1:\d+ refused SASL plain user relay: .*Fix: check kafka\.sasl\.username, the password in KAFKA_SASL_PASSWORD/,
        ),
      })
      await expectRunsThrough({ mechanism: 'plain', username: 'relay', password: 'plain-secret' })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'scram-sha-512: runs with the user stored in the cluster',
    async () => {
      await expectRunsThrough({
        mechanism: 'scram-sha-512',
        username: 'relay',
        password: 'scram-secret',
      })
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'oauthbearer: runs on a client-credentials token from the identity provider the cluster trusts',
    async () => {
      const before = idp.tokenRequests
      const { log, fixture } = await expectRunsThrough({
        mechanism: 'oauthbearer',
        tokenEndpoint: idp.tokenEndpoint,
        clientId: 'moca-relay',
        clientSecret: 'client-secret',
        scope: 'kafka',
      })
      // every connection of the relay authenticates; the token is asked for once and reused
      expect(idp.tokenRequests - before).toBe(1)
      expect(idp.lastForm?.get('scope')).toBe('kafka')
      // neither the client secret nor a token (nor the partner key) reaches the log
      expect(log).toContain('"level":"debug"')
      expect(log).not.toContain('client-secret')
      expect(
        scanForSecrets(log, { privateKeyPem: fixture.sandbox.privateKeyPem, emails: [] }),
      ).toEqual([])
    },
    TEST_TIMEOUT_MS,
  )

  it('oauthbearer: outlives its tokens, re-authenticating with a renewed one before each session ends', async () => {
    // 25 s tokens: the broker ends each session when its token expires, kafkajs re-authenticates
    // 10 s before that, and by then the relay holds a new token
    idp.setLifetime(25)
    onTestFinished(() => idp.setLifetime(300))
    const before = idp.tokenRequests
    const { fixture } = await expectRunsThrough({
      mechanism: 'oauthbearer',
      tokenEndpoint: idp.tokenEndpoint,
      clientId: 'moca-relay',
      clientSecret: 'client-secret',
    })
    await waitUntil(() => (idp.tokenRequests - before >= 3 ? true : undefined), {
      what: 'two token renewals',
      timeoutMs: 80_000,
    })
    const more = distinctUserEvents(12).slice(6)
    await fixture.produce(fixture.topics.kyc, more)
    const out = await fixture.readOutputs((e) => e.onchain.length >= 12)
    expect(out.onchain).toHaveLength(12)
    expect(out.failed).toHaveLength(0)
  }, 150_000)

  it(
    'oauthbearer: a refused client secret, and a token the cluster does not trust, stop start-up with what to fix',
    async () => {
      const fixture = await fixtureWithEvents(0)
      const start = (overrides: Record<string, unknown>) =>
        fixture.startRelay({
          config: {
            kafka: {
              brokers: [saslAddress()],
              sasl: {
                mechanism: 'oauthbearer',
                tokenEndpoint: idp.tokenEndpoint,
                clientId: 'moca-relay',
                clientSecret: 'client-secret',
                ...overrides,
              },
            },
          },
        })
      const wrongSecret = await start({ clientSecret: 'not-the-secret-4711' }).then(
        () => null,
        (err: unknown) => err as Error & { code?: string },
      )
      expect(wrongSecret?.code).toBe('KAFKA_AUTH_FAILED')
      expect(wrongSecret?.message).toContain(
        'refused client moca-relay with HTTP 401: invalid_client',
      )
      expect(wrongSecret?.message).not.toContain('not-the-secret-4711')

      await expect(start({ tokenEndpoint: strangerIdp.tokenEndpoint })).rejects.toMatchObject({
        code: 'KAFKA_AUTH_FAILED',
        message: expect.stringMatching(
          /Kafka at 127\.0\.0\.1:\d+ refused the OAuth token of client moca-relay: .*Fix: check that the cluster trusts the identity provider/,
        ),
      })
    },
    TEST_TIMEOUT_MS,
  )
})
