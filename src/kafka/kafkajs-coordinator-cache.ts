import { createRequire } from 'node:module'

/**
 * Remembers the transaction coordinator in kafkajs 2.2.4, as the Java client does.
 *
 * kafkajs asks the cluster for the transaction coordinator (a FindCoordinator request) before
 * every request it sends there: AddPartitionsToTxn, AddOffsetsToTxn and EndTxn, so three extra
 * round trips in each of the relay's transactions, made one after another. On the local stack they
 * were ≈ 38% of the relay's requests to the broker, and the broker pays for every request (see
 * docs/benchmark.md). The Java client looks the coordinator up once and again only after a request
 * to it failed; this does the same:
 *
 * - a transaction coordinator found is kept per client and transactional id, for at most
 *   MAX_AGE_MS, and the broker object is looked up by node id each time (so a broker that
 *   reconnected or left the metadata is never reused stale);
 * - any failure of a request to a transaction coordinator, except CONCURRENT_TRANSACTIONS (the
 *   routine answer while the previous commit's markers are written), drops every kept coordinator:
 *   the retry that follows looks it up again, as kafkajs would have.
 *
 * Group coordinator lookups (consumers, sendOffsets' TxnOffsetCommit, admin) are left as they are.
 * Installed by createKafka(); patches kafkajs's Cluster and Broker prototypes, so the order of
 * imports does not matter.
 */

const require = createRequire(import.meta.url)
const INSTALLED = Symbol.for('moca-relay.kafkajs-coordinator-cache')
/** kafkajs's COORDINATOR_TYPES.TRANSACTION. */
const TRANSACTION_COORDINATOR = 1
/** Requests kafkajs sends to the transaction coordinator. */
const TRANSACTION_COORDINATOR_REQUESTS = [
  'initProducerId',
  'addPartitionsToTxn',
  'addOffsetsToTxn',
  'endTxn',
] as const
/** Errors of those requests that say nothing about where the coordinator is. */
const NOT_ABOUT_THE_COORDINATOR = new Set(['CONCURRENT_TRANSACTIONS'])
/** A bound on trusting a kept coordinator, should a move ever go unnoticed. */
const MAX_AGE_MS = 60_000

interface BrokerLike {
  readonly nodeId?: unknown
}
interface ClusterLike {
  findBroker(args: { nodeId: number }): Promise<BrokerLike>
}
interface FindCoordinatorArgs {
  readonly groupId: string
  readonly coordinatorType?: number
}
type FindCoordinator = (this: ClusterLike, args: FindCoordinatorArgs) => Promise<BrokerLike>
type BrokerRequest = (this: BrokerLike, ...args: unknown[]) => Promise<unknown>

interface Kept {
  readonly nodeId: number
  readonly generation: number
  readonly at: number
}

/** Raised by every failed request to a transaction coordinator: what was kept before is stale. */
let generation = 0
const kept = new WeakMap<ClusterLike, Map<string, Kept>>()

/** Installs the cache; a no-op when it is installed already. */
export function installCoordinatorCache(): void {
  const Cluster = require('kafkajs/src/cluster/index.js') as {
    prototype: Record<PropertyKey, unknown>
  }
  const Broker = require('kafkajs/src/broker/index.js') as {
    prototype: Record<PropertyKey, unknown>
  }
  if (Cluster.prototype[INSTALLED]) return

  const find = Cluster.prototype.findGroupCoordinator as FindCoordinator
  Cluster.prototype.findGroupCoordinator = async function (
    this: ClusterLike,
    args: FindCoordinatorArgs,
  ): Promise<BrokerLike> {
    if (args.coordinatorType !== TRANSACTION_COORDINATOR) return find.call(this, args)
    let byId = kept.get(this)
    if (!byId) kept.set(this, (byId = new Map()))
    const hit = byId.get(args.groupId)
    if (hit && hit.generation === generation && Date.now() - hit.at < MAX_AGE_MS) {
      try {
        return await this.findBroker({ nodeId: hit.nodeId })
      } catch {
        byId.delete(args.groupId)
      }
    }
    const lookedUpIn = generation
    const broker = await find.call(this, args)
    if (typeof broker.nodeId === 'number') {
      byId.set(args.groupId, { nodeId: broker.nodeId, generation: lookedUpIn, at: Date.now() })
    }
    return broker
  }

  for (const name of TRANSACTION_COORDINATOR_REQUESTS) {
    const request = Broker.prototype[name] as BrokerRequest
    Broker.prototype[name] = async function (this: BrokerLike, ...args: unknown[]) {
      try {
        return await request.apply(this, args)
      } catch (err) {
        if (!NOT_ABOUT_THE_COORDINATOR.has((err as { type?: string }).type ?? '')) generation++
        throw err
      }
    }
  }
  Cluster.prototype[INSTALLED] = true
}
