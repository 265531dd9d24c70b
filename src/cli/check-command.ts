import type { Admin } from 'kafkajs'
import { createJwksDocument } from '../auth/jwks-document.js'
import type { SigningKey } from '../auth/load-signing-key.js'
import { createPartnerTokenCache } from '../auth/partner-token-cache.js'
import { loadConfig, type LoadedConfig } from '../config/load-config.js'
import { isRelayError } from '../errors/relay-error.js'
import { readWriterSchema } from '../kafka/registry-value-decoder.js'
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { schemaRegistryFromConfig } from '../kafka/schema-registry-client.js'
import {
  isSubjectNotFound,
  registryHttpFailureOf,
  toRegistryError,
} from '../kafka/schema-registry-errors.js'
import { replicationFor, requireTopics } from '../kafka/topic-admin.js'
import { createMocaClient } from '../moca/http-moca-client.js'
import { MocaError } from '../moca/moca-error.js'
import { createSilentLogger } from '../ops/logger.js'
import { redactUrlCredentials } from '../ops/redact-url-credentials.js'
import type { Command, ConfigCommandIo } from './command.js'
import { compileConfiguredRoutes } from './compile-configured-routes.js'
import { whenGroupCoordinatorReady } from './group-coordinator-retry.js'
import { authorizationError, connectAdmin, createKafkaFromConfig } from './kafka-from-config.js'
import { loadPartnerKey, loadPreviousKeys } from './load-partner-key.js'
import { mocaClientOptionsFrom, partnerSignerFrom } from './moca-from-config.js'
import { confirmGroupId } from '../pipeline/relay.js'
import { parseCommandLine } from './usage-error.js'

const USAGE = `Usage:
  moca-relay check [--config relay.yaml]
      Checks a configuration before a relay runs it, one line per check: the config (its routes
      compiled and subject modules loaded, as at start-up) and the partner key; Kafka, the
      routes' input topics and the consumer groups (a cluster's ACLs);
      the schema registry, if one is set, and that the relay reads the schema registered for
      each input topic (<topic>-value, its latest version); and that MocaChain accepts the
      partner JWT (a status call for a made-up credential, which MocaChain answers 404 "no
      credential found" once the JWT passed; any other 404 means a wrong base URL). Nothing is
      written anywhere. Exits 1 if a check fails. Endpoints and secrets come from the
      environment, as for \`moca-relay run\`; URLs are printed without their credentials.`

/** A made-up coreClaimHash: no credential has it, so an accepted JWT gets 404. */
const PROBE_HASH = '0'.repeat(64)
/** The user in the probe's JWT; .invalid never names a real mailbox (RFC 2606). */
const PROBE_EMAIL = 'moca-relay-check@example.invalid'

interface CheckLine {
  readonly ok: boolean | null
  readonly name: string
  readonly detail: string
}

/** `moca-relay check`: a preflight of a relay configuration against the services it names. */
export function createCheckCommand(io: ConfigCommandIo): Command {
  return {
    name: 'check',
    summary: 'Check a configuration: key, Kafka and topics, registry, MocaChain auth.',
    usage: USAGE,
    async run(args) {
      const parsed = parseCommandLine(
        'check',
        USAGE,
        { args: [...args], options: { config: { type: 'string', default: 'relay.yaml' } } },
        io.stderr,
      )
      if (parsed === null) return 2
      const lines: CheckLine[] = []
      const report = (line: CheckLine): void => {
        lines.push(line)
        const mark = line.ok === null ? '–' : line.ok ? '✓' : '✗'
        // Every URL a line quotes, errors included, may carry credentials (SCHEMA_REGISTRY_URL
        // with a key and secret): stdout ends up in CI logs and support tickets.
        const detail = redactUrlCredentials(line.detail)
        io.stdout.write(`${mark} ${line.name.padEnd(13)} ${detail}\n`)
      }
      let loaded: LoadedConfig
      try {
        loaded = await loadConfig(parsed.values.config, io.env ? { env: io.env } : {})
        // what start-up does next: JSONata expressions compiled, subject modules loaded
        await compileConfiguredRoutes(loaded)
      } catch (err) {
        report({ ok: false, name: 'config', detail: messageOf(err) })
        return 1
      }
      const { config } = loaded
      report({
        ok: true,
        name: 'config',
        detail: `${loaded.configPath}: ${config.routes.length} route${config.routes.length === 1 ? '' : 's'} (${config.routes.map((r) => r.name).join(', ')})`,
      })
      const key = await checkPartnerKeys(loaded, report)
      await checkKafka(loaded, report)
      const registry = schemaRegistryFromConfig(config)
      const registryLine = await checkRegistry(config, registry)
      report(registryLine)
      if (registry !== null) {
        if (registryLine.ok === false) {
          report({
            ok: null,
            name: 'input schema',
            detail: 'not checked: the registry check failed',
          })
        } else {
          for (const line of await checkInputSchemas(config, registry)) report(line)
        }
      }
      if (key === null) {
        report({ ok: null, name: 'MocaChain', detail: 'not checked: no partner key' })
      } else {
        report(await checkMocaChain(loaded, key))
      }
      return lines.every((l) => l.ok !== false) ? 0 : 1
    },
  }
}

async function checkStep<T>(
  report: (line: CheckLine) => void,
  name: string,
  step: () => Promise<{ value: T; detail: string }>,
): Promise<T | null> {
  try {
    const { value, detail } = await step()
    report({ ok: true, name, detail })
    return value
  } catch (err) {
    report({ ok: false, name, detail: messageOf(err) })
    return null
  }
}

/**
 * The keys a relay loads at start-up, as compose-relay loads them: the signing key, each of
 * moca.previousKeys (published in the JWKS during a rotation, never signing), and the JWKS made of
 * them, which refuses two entries with one kid. A previous key that fails fails the line, but the
 * signing key is still returned: MocaChain can be asked about it all the same.
 */
async function checkPartnerKeys(
  loaded: LoadedConfig,
  report: (line: CheckLine) => void,
): Promise<SigningKey | null> {
  const { config } = loaded
  let signing: SigningKey | undefined
  try {
    signing = await loadPartnerKey(loaded)
    const previous = await loadPreviousKeys(loaded)
    createJwksDocument([signing.publicJwk, ...previous])
  } catch (err) {
    report({ ok: false, name: 'partner key', detail: messageOf(err) })
    return signing ?? null
  }
  const kids = config.moca.previousKeys.map((p) => p.kid)
  const published = kids.length === 0 ? '' : `; previous kids published: ${kids.join(', ')}`
  report({
    ok: true,
    name: 'partner key',
    detail: `${signing.alg}, kid ${signing.kid}${published}`,
  })
  return signing
}

async function checkKafka(loaded: LoadedConfig, report: (line: CheckLine) => void): Promise<void> {
  const { config } = loaded
  const brokers = config.kafka.brokers.join(', ')
  // The client is built inside the step: building it reads the kafka.ssl files, and one that
  // cannot be read belongs on the Kafka line, not in an exception that ends the whole check.
  const admin = await checkStep(report, 'Kafka', async () => {
    const kafka = createKafkaFromConfig(config, createSilentLogger(), 'check')
    const connecting = kafka.admin({ retry: { retries: 1 } })
    try {
      await connectAdmin(connecting, config)
      const cluster = await connecting.describeCluster()
      const count = cluster.brokers.length
      // the topics start-up creates need this many brokers
      replicationFor(config.topics.replicationFactor, count)
      return { value: connecting, detail: `${brokers}: ${count} broker${count === 1 ? '' : 's'}` }
    } catch (err) {
      await connecting.disconnect().catch(() => undefined)
      throw err
    }
  })
  if (admin === null) {
    for (const name of ['input topics', 'groups']) {
      report({ ok: null, name, detail: 'not checked: the Kafka check failed' })
    }
    return
  }
  await checkKafkaUse(config, admin, report)
}

/** The topics and groups a relay needs, through a connected admin, which this disconnects. */
async function checkKafkaUse(
  config: LoadedConfig['config'],
  admin: Admin,
  report: (line: CheckLine) => void,
): Promise<void> {
  try {
    const topics = [...new Set(config.routes.flatMap((r) => r.topics))]
    await checkStep(report, 'input topics', async () => {
      const counts = await requireTopics(admin, topics)
      const list = topics
        .map((t) => `${t} (${counts.get(t)} partition${counts.get(t) === 1 ? '' : 's'})`)
        .join(', ')
      return { value: true, detail: list }
    })
    // Read-only, so only the groups: on a cluster with ACLs a principal without them is refused
    // its group coordinator, which is the first thing a relay asks for. Transactional ids and
    // writes cannot be checked without writing; start-up reports those refusals.
    await checkStep(report, 'groups', async () => {
      const groups = [config.kafka.groupId, confirmGroupId(config.kafka.groupId)]
      try {
        await whenGroupCoordinatorReady({ groups }, () => admin.describeGroups(groups))
      } catch (err) {
        throw authorizationError(err)
      }
      return { value: true, detail: `${groups.join(', ')}: the relay may use them` }
    })
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}

/**
 * The registry through the client the relay uses (its URL, credentials, timeout): a lookup of
 * the credential.issued subject, which answers 404 "Subject … not found" until the relay
 * has registered it. Only the avro and json-schema output formats register it; with json the
 * registry only decodes registry-encoded input, and the lookup just proves it answers.
 */
async function checkRegistry(
  config: LoadedConfig['config'],
  registry: SchemaRegistry | null,
): Promise<CheckLine> {
  if (registry === null) {
    return { ok: null, name: 'registry', detail: 'none set (JSON input and output only)' }
  }
  const url = config.schemaRegistry?.url ?? ''
  const subject = `${config.topics.issued}-value`
  const format = config.output.format
  const jsonOnly = `${url}: answers (it decodes registry-encoded input; output.format json registers no schema)`
  try {
    const id = await latestSchemaId(registry, subject)
    if (format === 'json') return { ok: true, name: 'registry', detail: jsonOnly }
    return {
      ok: true,
      name: 'registry',
      detail:
        id === null
          ? `${url}: answers; ${subject} is not registered yet (the relay registers its ${format} schema at start-up)`
          : `${url}: ${subject} is schema id ${id}`,
    }
  } catch (err) {
    return { ok: false, name: 'registry', detail: messageOf(err) }
  }
}

/** The id of a subject's latest version; null when the registry says it has no such subject. */
async function latestSchemaId(registry: SchemaRegistry, subject: string): Promise<number | null> {
  try {
    return await registry.getLatestSchemaId(subject)
  } catch (err) {
    const failure = registryHttpFailureOf(err)
    if (failure !== null && isSubjectNotFound(failure)) return null
    throw toRegistryError(err, `looking up subject ${subject}`)
  }
}

/**
 * The writer schema registered for each input topic under Confluent's default subject name
 * (`<topic>-value`), read as the relay reads values: one it cannot read (a JSON Schema draft it
 * does not know, a $ref that finds nothing, Protobuf) would fail every record written with it.
 * Only the latest version is asked about; a topic without that subject is said and not failed.
 */
async function checkInputSchemas(
  config: LoadedConfig['config'],
  registry: SchemaRegistry,
): Promise<CheckLine[]> {
  const topics = [...new Set(config.routes.flatMap((r) => r.topics))]
  const lines: CheckLine[] = []
  for (const topic of topics) {
    const subject = `${topic}-value`
    let id: number | null
    try {
      id = await latestSchemaId(registry, subject)
    } catch (err) {
      lines.push({ ok: false, name: 'input schema', detail: messageOf(err) })
      continue
    }
    if (id === null) {
      lines.push({
        ok: null,
        name: 'input schema',
        detail: `${subject}: none registered (plain JSON or CloudEvents input, or another subject name strategy: each record's schema is read as it comes)`,
      })
      continue
    }
    try {
      const kind = await readWriterSchema(registry, id)
      lines.push({
        ok: true,
        name: 'input schema',
        detail: `${subject}: schema id ${id} (${kind}, its latest version), which the relay reads`,
      })
    } catch (err) {
      lines.push({ ok: false, name: 'input schema', detail: `${subject}: ${messageOf(err)}` })
    }
  }
  return lines
}

async function checkMocaChain(loaded: LoadedConfig, key: SigningKey): Promise<CheckLine> {
  const { config } = loaded
  // one status call: one connection
  const moca = createMocaClient({
    options: { ...mocaClientOptionsFrom(config), connections: 1 },
    tokens: createPartnerTokenCache({ signer: partnerSignerFrom(config, key) }),
  })
  const where = config.moca.baseUrl
  try {
    await moca.status({ coreClaimHash: PROBE_HASH, email: PROBE_EMAIL })
    return { ok: true, name: 'MocaChain', detail: `${where} accepted the partner JWT` }
  } catch (err) {
    if (!(err instanceof MocaError)) return { ok: false, name: 'MocaChain', detail: messageOf(err) }
    // Only MocaChain's own 404 for the made-up hash (MOCA_STATUS_NOT_FOUND: "No credential found
    // for the given hash.") proves the JWT passed: a wrong path or API version gets a web
    // server's own 404 (MOCA_ENDPOINT_NOT_FOUND), before any JWT is looked at.
    if (err.code === 'MOCA_STATUS_NOT_FOUND') {
      return {
        ok: true,
        name: 'MocaChain',
        detail: `${where} accepted the partner JWT (404 for a made-up credential, as expected)`,
      }
    }
    if (err.code === 'MOCA_ENDPOINT_NOT_FOUND') {
      const answer = err.mocaMessage === null ? 'no message' : `"${err.mocaMessage}"`
      return {
        ok: false,
        name: 'MocaChain',
        detail: `${err.code}: ${where} answered ${err.httpStatus} (${answer}) to the status call, not MocaChain's "no credential found": the base URL (moca.baseUrl or MOCA_BASE_URL) may be wrong, and the partner JWT was not checked.`,
      }
    }
    const hint =
      err.code === 'MOCA_UNAUTHORIZED'
        ? ` The JWKS URL registered for partner ${config.moca.partnerId} must serve kid ${key.kid}; if moca-relay serves it (ops.jwksPath), a relay must be running for MocaChain to fetch it.`
        : ''
    const message = err.message.replace(/\.$/, '')
    return { ok: false, name: 'MocaChain', detail: `${err.code}: ${message}.${hint}` }
  } finally {
    await moca.close()
  }
}

function messageOf(err: unknown): string {
  if (isRelayError(err)) return `${err.code}: ${err.message}`
  return err instanceof Error ? err.message : String(err)
}
