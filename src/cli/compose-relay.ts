import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import type { LoadedConfig } from '../config/load-config.js'
import { compileConfiguredRoutes } from './compile-configured-routes.js'
import { createJwksDocument, type JwksDocument } from '../auth/jwks-document.js'
import { createPartnerTokenCache } from '../auth/partner-token-cache.js'
import { watchKeyFile } from '../auth/watch-key-file.js'
import { OutputEventType } from '../domain/output-events.js'
import { createInputDecoder } from '../kafka/input-decoder.js'
import { createOutputEncoder } from '../kafka/output-encoder.js'
import { schemaRegistryFromConfig } from '../kafka/schema-registry-client.js'
import { createMocaClient } from '../moca/http-moca-client.js'
import type { Logger } from '../ops/logger.js'
import { authorizationError, connectAdmin, createKafkaFromConfig } from './kafka-from-config.js'
import { loadPartnerKey, loadPreviousKeys } from './load-partner-key.js'
import { mocaClientOptionsFrom, partnerSignerFrom } from './moca-from-config.js'
import { startHeapWatch } from '../ops/heap-watch.js'
import { startOpsServer, type OpsServer } from '../ops/ops-server.js'
import {
  createPrometheusMetrics,
  type LedgerSize,
  type PrometheusMetrics,
} from '../ops/prometheus-metrics.js'
import { combineMetrics } from '../pipeline/outcome-tally.js'
import { createRelay, type Relay, type RelayRun } from '../pipeline/relay.js'
import type { PartitionStatus } from '../pipeline/stage-runner.js'
import type { RelayMetrics } from '../pipeline/relay-metrics.js'

export interface ComposeOptions {
  readonly logger: Logger
  /** A replay or redrive run; the live relay when absent. */
  readonly run?: RelayRun
  /** Serve /healthz, /readyz, /metrics and the JWKS. @default true */
  readonly ops?: boolean
  /** The consumer died beyond recovery. */
  readonly onCrash: (err: unknown) => void
  /** Also receives every metric (a CLI command's progress tally). */
  readonly observe?: RelayMetrics
}

export interface RelayProcess {
  readonly relay: Relay
  readonly metrics: PrometheusMetrics
  /** The partner JWKS as served now (it follows a reloaded key). */
  readonly jwks: JwksDocument
  readonly ops: OpsServer | null
  start(): Promise<void>
  /** Stops intake, drains, commits, then closes every resource in reverse order of creation. */
  stop(): Promise<void>
}

/**
 * The composition root of a relay process: every concrete adapter is created here from the
 * loaded config, handed to the pipeline through its interfaces, and closed here.
 */
export async function composeRelay(
  loaded: LoadedConfig,
  options: ComposeOptions,
): Promise<RelayProcess> {
  const { config } = loaded
  const log = options.logger
  const closers: { name: string; close: () => Promise<unknown> }[] = []

  const signingKey = await loadPartnerKey(loaded)
  const previous = await loadPreviousKeys(loaded)
  let signer = partnerSignerFrom(config, signingKey)
  let jwks = createJwksDocument([signingKey.publicJwk, ...previous])
  const tokens = createPartnerTokenCache({
    // Indirect, so a reloaded key takes over without rebuilding the client.
    signer: {
      get ttlSeconds() {
        return signer.ttlSeconds
      },
      sign: (email) => signer.sign(email),
    },
  })
  if (loaded.partnerKey.kind === 'file') {
    const stopWatching = watchKeyFile({
      path: loaded.partnerKey.path,
      alg: config.moca.key.alg,
      kid: config.moca.key.kid,
      current: signingKey,
      logger: log,
      onChange: (key) => {
        signer = partnerSignerFrom(config, key)
        jwks = createJwksDocument([key.publicJwk, ...previous])
        tokens.clear()
      },
    })
    closers.push({ name: 'key file watcher', close: async () => stopWatching() })
  }
  const moca = createMocaClient({ options: mocaClientOptionsFrom(config), tokens, logger: log })
  closers.push({ name: 'MocaChain client', close: () => moca.close() })

  const routes = await compileConfiguredRoutes(loaded)
  const kafka = createKafkaFromConfig(config, log)
  const admin = kafka.admin()
  try {
    await connectAdmin(admin, config)
  } catch (err) {
    await closeAll(closers, log)
    throw err
  }
  closers.push({ name: 'Kafka admin', close: () => admin.disconnect() })

  const registry: SchemaRegistry | null = schemaRegistryFromConfig(config)
  const decoder = createInputDecoder({ registry, maxRecordBytes: config.input.maxRecordBytes })
  const topicByType = {
    [OutputEventType.issued]: config.topics.issued,
    [OutputEventType.onchain]: config.topics.onchain,
    [OutputEventType.failed]: config.topics.failed,
  }
  const encoder = await createOutputEncoder({
    format: config.output.format,
    source: config.output.source ?? `/moca-relay/${config.kafka.groupId}`,
    registry,
    topicFor: (type) => topicByType[type],
  })
  // The relay is created after its metrics: the ledger gauge reads it once it exists.
  let ownedLedgers: () => Iterable<LedgerSize> = () => []
  const metrics = createPrometheusMetrics({
    ...(config.moca.rateLimit ? { rateLimitWaiting: () => moca.rateLimitWaiting() } : {}),
    ledgerEntries: () => ownedLedgers(),
  })
  const relay = createRelay({
    config,
    kafka,
    admin,
    routes,
    decoder,
    encoder,
    moca,
    logger: log,
    metrics: options.observe ? combineMetrics(metrics, options.observe) : metrics,
    onCrash: options.onCrash,
    ...(options.run ? { run: options.run } : {}),
  })
  ownedLedgers = () => ledgerSizes(relay)
  const heapWatch = startHeapWatch({
    logger: log,
    ledgerEntries: () => ledgerSizes(relay).reduce((sum, size) => sum + size.entries, 0),
  })
  closers.push({ name: 'heap watch', close: async () => heapWatch.stop() })

  let stopping = false
  let ops: OpsServer | null = null
  if (options.ops ?? true) {
    try {
      ops = await startOpsServer({
        host: config.ops.host,
        port: config.ops.port,
        jwksPath: config.ops.jwksPath,
        jwks: () => jwks,
        readiness: () =>
          stopping ? { ready: false, reasons: ['shutting down'] } : relay.readiness(),
        metrics,
        alive: () => !stopping,
        logger: log,
      })
    } catch (err) {
      // (OPS_LISTEN_FAILED: the port or host is the operator's to fix)
      await closeAll(closers, log)
      throw err
    }
    const server = ops
    closers.push({ name: 'ops server', close: () => server.close() })
  }

  return {
    relay,
    metrics,
    get jwks() {
      return jwks
    },
    ops,
    start: async () => {
      try {
        await relay.start()
      } catch (err) {
        throw authorizationError(err)
      }
    },
    async stop() {
      if (stopping) return
      stopping = true
      await relay.stop().catch((err: unknown) => log.error({ err }, 'stopping the pipeline failed'))
      await closeAll(closers, log)
    },
  }
}

async function closeAll(
  closers: { name: string; close: () => Promise<unknown> }[],
  log: Logger,
): Promise<void> {
  for (const closer of closers.reverse()) {
    try {
      await closer.close()
    } catch (err) {
      log.warn({ err, resource: closer.name }, 'closing a resource failed')
    }
  }
  closers.length = 0
}

function ledgerSizes(relay: Relay): LedgerSize[] {
  const { issue, confirm } = relay.partitions
  const sizes = (stage: LedgerSize['stage'], partitions: readonly PartitionStatus[]) =>
    partitions.map((p) => ({
      stage,
      topic: p.topic,
      partition: p.partition,
      entries: p.ledgerEntries,
    }))
  return [...sizes('issue', issue), ...sizes('confirm', confirm)]
}
