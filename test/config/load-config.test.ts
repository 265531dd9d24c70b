import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig, parseConfig } from '../../src/config/load-config.js'
import { minimalConfig } from '../support/minimal-config.js'

async function configFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-config-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}

describe('loadConfig', () => {
  it('fills every default, resolves the key file next to the config, and freezes the result', async () => {
    const path = await configFile('relay.json', JSON.stringify(minimalConfig))
    const loaded = await loadConfig(path, { env: {} })
    expect(loaded.config.kafka.brokers).toEqual(['127.0.0.1:9092'])
    expect(loaded.config.issue.maxInFlight).toBe(512)
    expect(loaded.config.issue.initialInFlight).toBe(32)
    expect(loaded.config.confirm.deadline).toBe(600_000)
    expect(loaded.config.moca.scope).toBe('issue on-behalf')
    expect(loaded.partnerKey).toEqual({
      kind: 'file',
      path: join(loaded.baseDir, 'keys/partner.pem'),
    })
    expect(Object.isFrozen(loaded.config.routes[0])).toBe(true)
  })

  it('lets the environment override endpoints and secrets', async () => {
    const path = await configFile('relay.yaml', JSON.stringify(minimalConfig))
    const loaded = await loadConfig(path, {
      env: {
        KAFKA_BROKERS: 'b1:9092, b2:9092',
        MOCA_BASE_URL: 'http://127.0.0.1:8080/v1',
        MOCA_PARTNER_PRIVATE_KEY: 'MIGH…',
      },
    })
    expect(loaded.config.kafka.brokers).toEqual(['b1:9092', 'b2:9092'])
    expect(loaded.config.moca.baseUrl).toBe('http://127.0.0.1:8080/v1')
    expect(loaded.partnerKey).toEqual({
      kind: 'inline',
      text: 'MIGH…',
      origin: 'MOCA_PARTNER_PRIVATE_KEY',
    })
  })

  it('takes the registry, partner id, ops port and log level from the environment', async () => {
    const path = await configFile('relay.yaml', JSON.stringify(minimalConfig))
    const { config } = await loadConfig(path, {
      env: {
        SCHEMA_REGISTRY_URL: 'http://registry.internal:8081',
        MOCA_PARTNER_ID: 'partner-from-env',
        MOCA_RELAY_OPS_PORT: '9999',
        LOG_LEVEL: 'debug',
      },
    })
    expect(config.schemaRegistry?.url).toBe('http://registry.internal:8081')
    expect(config.moca.partnerId).toBe('partner-from-env')
    expect(config.ops.port).toBe(9999)
    expect(config.log.level).toBe('debug')
  })

  it('treats an empty environment variable as not set', async () => {
    const path = await configFile(
      'relay.yaml',
      JSON.stringify({ ...minimalConfig, kafka: { brokers: ['file-broker:9092'] } }),
    )
    const { config } = await loadConfig(path, { env: { KAFKA_BROKERS: '', LOG_LEVEL: '' } })
    expect(config.kafka.brokers).toEqual(['file-broker:9092'])
    expect(config.log.level).toBe('info')
  })

  it('blames a bad environment variable on the environment, not on the file', async () => {
    const path = await configFile('relay.yaml', JSON.stringify(minimalConfig))
    const error = (await loadConfig(path, { env: { MOCA_RELAY_OPS_PORT: '99999' } }).then(
      () => new Error('loaded'),
      (e: unknown) => e,
    )) as Error & { code: string }
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.message).toMatch(
      /^invalid configuration in the environment:\n {2}- MOCA_RELAY_OPS_PORT: /,
    )
    expect(error.message).not.toContain(path)
  })

  it.each([
    ['issue.retry', { issue: { retry: { initialDelay: '10s', maxDelay: '1s' } } }],
    ['confirm', { confirm: { initialDelay: '10s', maxDelay: '1s' } }],
  ])('refuses %s.maxDelay below its initialDelay, naming the field', (section, override) => {
    expect(() =>
      parseConfig({ ...minimalConfig, ...override }, { env: {}, configPath: 'relay.yaml' }),
    ).toThrow(`${section}.maxDelay: maxDelay must be ≥ initialDelay`)
  })

  // was: accepted, then 'moca-relay run' stopped with an InvalidRetryPolicyError stack trace
  it('refuses issue.circuit.probeMaxDelay below probeInitialDelay, naming the field', () => {
    const circuit = { probeInitialDelay: '1m', probeMaxDelay: '1s' }
    expect(() =>
      parseConfig({ ...minimalConfig, issue: { circuit } }, { env: {}, configPath: 'relay.yaml' }),
    ).toThrow('issue.circuit.probeMaxDelay: probeMaxDelay must be ≥ probeInitialDelay')
  })

  it('refuses two routes with the same name, naming the second', () => {
    const raw = {
      ...minimalConfig,
      routes: [minimalConfig.routes[0], { ...minimalConfig.routes[0], topics: ['b'] }],
    }
    expect(() => parseConfig(raw, { env: {}, configPath: 'relay.yaml' })).toThrow(
      'routes[1].name: duplicate route name "kyc"',
    )
  })

  it('refuses a registry output format without a registry, and says how to set one', () => {
    const raw = { ...minimalConfig, output: { format: 'avro' } }
    expect(() => parseConfig(raw, { env: {}, configPath: 'relay.yaml' })).toThrow(
      'output.format: format "avro" needs a schema registry: set schemaRegistry.url or SCHEMA_REGISTRY_URL',
    )
  })

  it('names each bad field and its fix in one readable error', async () => {
    const path = await configFile(
      'relay.yaml',
      [
        'kafka: { brokers: [localhost] }',
        'moca: { partnerId: p, key: { kid: k, file: k.pem }, tokenTtl: 1h }',
        'issue: { maxInflight: 3 }',
        'routes:',
        '  - { name: kyc, topics: [kyc], program: { issuerDid: "x", credentialId: c }, credentialSubject: { a: a } }',
        '  - { name: member, topics: [member], program: { issuerDid: "did:air:y" }, credentialSubject: { a: a } }',
      ].join('\n'),
    )
    const error = (await loadConfig(path, { env: {} }).then(
      () => new Error('loaded'),
      (e: unknown) => e,
    )) as Error & { code: string }
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.message).toContain(path)
    expect(error.message).toContain('kafka.brokers[0]: a broker is host:port')
    expect(error.message).toContain('moca.tokenTtl: tokenTtl must be between 30s and 15m')
    expect(error.message).toContain(
      'issue: unknown field "maxInflight" (check the spelling; see the configuration reference in the README)',
    )
    expect(error.message).toContain('routes[1].program.credentialId: required, but missing')
    expect(error.message).toContain('routes[0].program.issuerDid: an issuer DID starts with "did:"')
  })

  it("refuses routes that read the relay's own topics (a loop)", () => {
    const raw = {
      ...minimalConfig,
      routes: [{ ...minimalConfig.routes[0], topics: ['credential.issued'] }],
    }
    expect(() => parseConfig(raw, { env: {}, configPath: 'relay.yaml' })).toThrow(/would loop/)
  })

  it('takes the Kafka and registry passwords from the environment over the file', () => {
    const raw = {
      ...minimalConfig,
      kafka: { sasl: { mechanism: 'plain', username: 'relay', password: 'from-file' } },
      schemaRegistry: { url: 'http://registry:8081', username: 'relay', password: 'from-file' },
    }
    const { config } = parseConfig(raw, {
      env: { KAFKA_SASL_PASSWORD: 'kafka-secret', SCHEMA_REGISTRY_PASSWORD: 'registry-secret' },
      configPath: 'relay.yaml',
    })
    expect(config.kafka.sasl).toMatchObject({ password: 'kafka-secret' })
    expect(config.schemaRegistry?.password).toBe('registry-secret')
  })

  it('takes OAuth client credentials for oauthbearer, the secret from KAFKA_SASL_CLIENT_SECRET', () => {
    const oauth = {
      mechanism: 'oauthbearer',
      tokenEndpoint: 'https://idp.example.com/oauth2/token',
      clientId: 'relay',
      extensions: { logicalCluster: 'lkc-123', identityPoolId: 'pool-abc' },
    }
    const { config } = parseConfig(
      { ...minimalConfig, kafka: { sasl: oauth } },
      // KAFKA_SASL_PASSWORD belongs to the other mechanisms: it must not land in an oauth config
      {
        env: { KAFKA_SASL_CLIENT_SECRET: 'client-secret', KAFKA_SASL_PASSWORD: 'other' },
        configPath: 'relay.yaml',
      },
    )
    expect(config.kafka.sasl).toEqual({ ...oauth, clientSecret: 'client-secret' })
  })

  it('names the kafka.sasl fields a mechanism is missing, and those it does not use', () => {
    const parse = (sasl: unknown) =>
      parseConfig({ ...minimalConfig, kafka: { sasl } }, { env: {}, configPath: 'relay.yaml' })
    expect(() => parse({ mechanism: 'oauthbearer', clientId: 'relay' })).toThrow(
      /kafka\.sasl\.tokenEndpoint: oauthbearer needs the identity provider's token URL[\s\S]*kafka\.sasl\.clientSecret: oauthbearer needs a client secret \(KAFKA_SASL_CLIENT_SECRET\)/,
    )
    expect(() =>
      parse({ mechanism: 'scram-sha-512', username: 'relay', password: 'p', clientId: 'x' }),
    ).toThrow(/kafka\.sasl\.clientId: not used by mechanism scram-sha-512/)
    expect(() => parse({ mechanism: 'plain', username: 'relay' })).toThrow(
      /kafka\.sasl\.password: plain needs a password \(KAFKA_SASL_PASSWORD\)/,
    )
    expect(() =>
      parse({
        mechanism: 'oauthbearer',
        tokenEndpoint: 'ftp://idp/token',
        clientId: 'a',
        clientSecret: 'b',
      }),
    ).toThrow(/kafka\.sasl\.tokenEndpoint/)
  })

  it("refuses routes that read the relay's internal topics (a loop)", () => {
    const raw = {
      ...minimalConfig,
      routes: [{ ...minimalConfig.routes[0], topics: ['moca-relay.confirm-queue'] }],
    }
    expect(() => parseConfig(raw, { env: {}, configPath: 'relay.yaml' })).toThrow(
      /routes\[0\]\.topics\[0\]: "moca-relay\.confirm-queue" is one of the relay's own/,
    )
  })

  it('refuses an uncertainty window shorter than the request timeout, naming both fields', () => {
    const raw = {
      ...minimalConfig,
      moca: { ...minimalConfig.moca, requestTimeout: '10s', uncertaintyWindow: '5s' },
    }
    expect(() => parseConfig(raw, { env: {}, configPath: 'relay.yaml' })).toThrow(
      /moca\.uncertaintyWindow: uncertaintyWindow must be at least moca\.requestTimeout/,
    )
  })

  it('takes a rate limit, and refuses one that cannot be met, naming the field', () => {
    const withLimit = (rateLimit: unknown) => ({
      ...minimalConfig,
      moca: { ...minimalConfig.moca, rateLimit },
    })
    const parse = (raw: unknown) => parseConfig(raw, { env: {}, configPath: 'relay.yaml' })
    expect(parse(minimalConfig).config.moca.rateLimit).toBeUndefined()
    expect(parse(withLimit({ perSecond: 50 })).config.moca.rateLimit).toEqual({ perSecond: 50 })
    expect(() => parse(withLimit({ perSecond: 0 }))).toThrow(/moca\.rateLimit\.perSecond/)
    expect(() => parse(withLimit({ perSecond: 10, burst: 0 }))).toThrow(/moca\.rateLimit\.burst/)
  })

  it('reads kafka.ssl files relative to the config file, and wants a client key with a client cert', () => {
    const withSsl = (ssl: unknown) => ({ ...minimalConfig, kafka: { ssl } })
    const parse = (raw: unknown) =>
      parseConfig(raw, { env: {}, configPath: '/etc/relay/relay.yaml' })
    expect(parse(withSsl(true)).config.kafka.ssl).toBe(true)
    expect(parse(minimalConfig).config.kafka.ssl).toBe(false)
    expect(
      parse(withSsl({ ca: 'tls/ca.pem', cert: '/abs/client.crt', key: 'client.key' })).config.kafka
        .ssl,
    ).toEqual({
      ca: '/etc/relay/tls/ca.pem',
      cert: '/abs/client.crt',
      key: '/etc/relay/client.key',
    })
    expect(() => parse(withSsl({ cert: 'client.crt' }))).toThrow(
      /a client certificate needs both kafka\.ssl\.cert and kafka\.ssl\.key/,
    )
  })

  it('wants the registry user and password together; the password may come from the environment', () => {
    const registry = { url: 'http://registry:8081' }
    const parse = (schemaRegistry: unknown, env = {}) =>
      parseConfig({ ...minimalConfig, schemaRegistry }, { env, configPath: 'relay.yaml' }).config
        .schemaRegistry
    expect(() => parse({ ...registry, username: 'api-key' })).toThrow(
      /schemaRegistry\.username: a username without a password: set SCHEMA_REGISTRY_PASSWORD/,
    )
    expect(
      parse({ ...registry, username: 'api-key' }, { SCHEMA_REGISTRY_PASSWORD: 's3cret' }),
    ).toEqual({ ...registry, username: 'api-key', password: 's3cret' })
  })

  it('says which file is missing and how to pass one', async () => {
    await expect(loadConfig('/nonexistent/relay.yaml', { env: {} })).rejects.toMatchObject({
      code: 'CONFIG_FILE_NOT_FOUND',
      message: expect.stringContaining('--config'),
    })
  })

  it('asks for a key when neither a file nor the environment gives one', () => {
    const raw = { ...minimalConfig, moca: { partnerId: 'p', key: { kid: 'k' } } }
    expect(() => parseConfig(raw, { env: {}, configPath: 'relay.yaml' })).toThrow(
      /MOCA_PARTNER_PRIVATE_KEY/,
    )
  })
})

describe('parseConfig refuses values that cannot work, naming the field', () => {
  const parse = (extra: Record<string, unknown>) =>
    parseConfig({ ...minimalConfig, ...extra }, { env: {}, configPath: 'relay.yaml' })

  it.each([
    ['confirm.maxDelay', { confirm: { maxDelay: '25d' } }],
    ['confirm.initialDelay', { confirm: { initialDelay: '25d', maxDelay: '25d' } }],
    ['shutdown.drainTimeout', { shutdown: { drainTimeout: '30d' } }],
    ['issue.circuit.probeMaxDelay', { issue: { circuit: { probeMaxDelay: '30d' } } }],
    ['issue.retry.maxDelay', { issue: { retry: { maxDelay: 2 ** 31 } } }],
    ['issue.commitInterval', { issue: { commitInterval: '25d' } }],
    ['moca.connectTimeout', { moca: { ...minimalConfig.moca, connectTimeout: '25d' } }],
    ['kafka.fetchMaxWait', { kafka: { fetchMaxWait: '25d' } }],
  ])('refuses %s above setTimeout’s 2^31-1 ms limit', (field, override) => {
    expect(() => parse(override)).toThrow(`${field}: must be at most 24d (2147483647ms`)
  })

  it('accepts a timer duration of exactly 2^31-1 ms, and a ledger.retention above it', () => {
    const { config } = parse({
      shutdown: { drainTimeout: 2 ** 31 - 1 },
      ledger: { retention: '90d' },
    })
    expect(config.shutdown.drainTimeout).toBe(2 ** 31 - 1)
    expect(config.ledger.retention).toBe(90 * 86_400_000)
  })

  it.each([
    ['issue.retry.deadline', { issue: { retry: { deadline: 0 } } }],
    ['confirm.deadline', { confirm: { deadline: '0s' } }],
  ])('refuses %s 0', (field, override) => {
    expect(() => parse(override)).toThrow(`${field}: deadline must be more than 0`)
  })

  it('takes a maxInFlight below the default initialInFlight: the start is capped at it', () => {
    // the default initialInFlight is 32; the stage runner starts a partition at the smaller
    expect(parse({ issue: { maxInFlight: 5 } }).config.issue).toMatchObject({ maxInFlight: 5 })
  })

  it('takes a retry deadline shorter than moca.requestTimeout: the call under way still runs to its timeout', () => {
    // the deadline only stops further attempts; a test relies on a 60 s timeout beside a 30 s deadline
    expect(
      parse({
        issue: { retry: { deadline: '30s' } },
        moca: { ...minimalConfig.moca, requestTimeout: '60s', uncertaintyWindow: '60s' },
      }).config.issue.retry.deadline,
    ).toBe(30_000)
  })

  it.each([0, '59m'])('refuses ledger.retention %j (below 1h)', (retention) => {
    expect(() => parse({ ledger: { retention } })).toThrow(
      'ledger.retention: retention must be at least 1h',
    )
  })

  it('refuses output topics that collide with each other', () => {
    expect(() => parse({ topics: { issued: 'out', onchain: 'out', failed: 'out' } })).toThrow(
      /topics\.onchain: "out" is also topics\.issued[^]*topics\.failed: "out" is also topics\.issued/,
    )
  })

  it.each([
    ['failed', { failed: 'moca-relay.confirm-queue' }],
    ['issued', { issued: 'moca-relay.confirm-ledger' }],
    ['onchain', { onchain: 'moca-relay.issue-ledger.kyc.completed' }],
    ['failed', { internalPrefix: 'relay', failed: 'relay.confirm-queue' }],
  ])('refuses topics.%s named like an internal topic', (field, topics) => {
    expect(() => parse({ topics })).toThrow(`topics.${field}: "`)
    expect(() => parse({ topics })).toThrow(/one of the relay's internal topics/)
  })

  it.each(['/metrics', '/healthz', '/readyz'])('refuses ops.jwksPath %s', (jwksPath) => {
    expect(() => parse({ ops: { jwksPath } })).toThrow('ops.jwksPath: jwksPath must not be')
  })
})

describe('loadConfig: a syntax error says what and where, never the text', () => {
  const secret = 'hunter2-super-secret'

  it('a YAML syntax error names the file, line and column, and not the password', async () => {
    const path = await configFile(
      'relay.yaml',
      `kafka:\n  sasl:\n    mechanism: plain\n    username: u\n    password: "${secret}" x: [\n`,
    )
    const err = await loadConfig(path, { env: {} }).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' })
    expect(err!.message).toContain(`${path} is not valid YAML`)
    expect(err!.message).toBe(
      `${path} is not valid YAML: a nested mapping or a second key on one line (is a value unquoted or a quote misplaced?) at line 5, column 15`,
    )
    expect(err!.message).not.toContain('hunter2')
    expect(err!.cause).toBeUndefined()
  })

  // Was "bad indentation at line 3, column 3": the parser's name for a list left open.
  it.each([
    ['[ list', `routes:\n  - topics: [kyc.completed\n    name: kyc\n`, '[ list not closed with ]'],
    ['{ mapping', `moca:\n  key: { kid: k\n  partnerId: p\n`, '{ mapping not closed with }'],
  ])('an unclosed %s says so, and where the parser noticed', async (_kind, text, what) => {
    const path = await configFile('relay.yaml', text)
    await expect(loadConfig(path, { env: {} })).rejects.toThrow(
      `${path} is not valid YAML: a ${what} before line 3, column ${text.startsWith('routes') ? 5 : 3} (or its next lines indented no deeper than its key)`,
    )
  })

  it('a JSON syntax error reads as what went wrong and where', async () => {
    const path = await configFile('relay.json', `{"kafka":{"sasl":{"password":${secret}}}}`)
    await expect(loadConfig(path, { env: {} })).rejects.toThrow(
      `${path} is not valid JSON: an unexpected character (is a string unquoted?) at line 1, column 30`,
    )
  })

  it('a YAML error without a line (an undefined alias) says what, not the text', async () => {
    const path = await configFile('relay.yaml', `kafka:\n  sasl:\n    password: *${secret}\n`)
    const message = await loadConfig(path, { env: {} }).then(
      () => '',
      (e: Error) => e.message,
    )
    expect(message).toContain(`${path} is not valid YAML`)
    expect(message).not.toContain('hunter2')
  })

  it.each([
    [
      'an unquoted password',
      `{"kafka":{"sasl":{"mechanism":"plain","password":${secret}}}}`,
      1,
      50,
    ],
    ['a missing comma', `{"kafka":{"sasl":{\n  "password":"${secret}"\n  "username":"u"}}}`, 3, 3],
    ['an unterminated string', `{"kafka":{"sasl":{\n  "password":"${secret}`, 2, 35],
    ['a trailing comma', `{"kafka":{"sasl":{"password":"${secret}",}}}`, 1, 53],
  ])(
    'a JSON syntax error (%s) names the file, line and column, and not the password',
    async (_what, text, line, column) => {
      const path = await configFile('relay.json', text)
      const err = await loadConfig(path, { env: {} }).then(
        () => undefined,
        (e: Error) => e,
      )
      expect(err).toMatchObject({ code: 'CONFIG_INVALID' })
      expect(err!.message).toContain(`${path} is not valid JSON`)
      expect(err!.message).toContain(`at line ${line}, column ${column}`)
      expect(err!.message).not.toContain('hunter2')
      expect(err!.cause).toBeUndefined()
    },
  )
})
