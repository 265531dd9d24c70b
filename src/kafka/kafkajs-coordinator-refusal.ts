import { createRequire } from 'node:module'
import { isAuthorizationFailure } from './authorization-failure.js'

/**
 * Keeps the authorizer's answer that kafkajs 2.2.4 drops when it looks up a coordinator.
 *
 * A FindCoordinator refused by the cluster's authorizer (GROUP_AUTHORIZATION_FAILED for a
 * consumer group, TRANSACTIONAL_ID_AUTHORIZATION_FAILED for a transactional id) is swallowed by
 * kafkajs's broker pool, which then throws KafkaJSGroupCoordinatorNotFound("Failed to find group
 * coordinator") without a cause. The relay would read that as "Kafka unavailable" and retry at
 * once, forever, while the fix is an ACL. This rethrows the refusal instead: kafkajs does not
 * retry it (not retriable), and the relay reports KAFKA_NOT_AUTHORIZED.
 *
 * Installed by createKafka(); patches kafkajs's Cluster and Broker prototypes.
 */

const require = createRequire(import.meta.url)
const INSTALLED = Symbol.for('moca-relay.kafkajs-coordinator-refusal')

interface FindCoordinatorArgs {
  readonly groupId: string
}
type Find = (this: unknown, args: FindCoordinatorArgs) => Promise<unknown>

/** The latest refusal per group or transactional id, taken by the lookup that caused it. */
const refusals = new Map<string, Error>()

export function installCoordinatorRefusal(): void {
  const Cluster = require('kafkajs/src/cluster/index.js') as {
    prototype: Record<PropertyKey, unknown>
  }
  const Broker = require('kafkajs/src/broker/index.js') as {
    prototype: Record<PropertyKey, unknown>
  }
  if (Cluster.prototype[INSTALLED]) return

  const ask = Broker.prototype.findGroupCoordinator as Find
  Broker.prototype.findGroupCoordinator = async function (args: FindCoordinatorArgs) {
    try {
      return await ask.call(this, args)
    } catch (err) {
      if (isRefusal(err)) refusals.set(args.groupId, err)
      throw err
    }
  }

  const find = Cluster.prototype.findGroupCoordinatorMetadata as Find
  Cluster.prototype.findGroupCoordinatorMetadata = async function (args: FindCoordinatorArgs) {
    refusals.delete(args.groupId)
    try {
      return await find.call(this, args)
    } catch (err) {
      const refusal = refusals.get(args.groupId)
      if (refusal !== undefined && (err as Error).name === 'KafkaJSGroupCoordinatorNotFound') {
        throw refusal
      }
      throw err
    } finally {
      refusals.delete(args.groupId)
    }
  }
  Cluster.prototype[INSTALLED] = true
}

function isRefusal(err: unknown): err is Error {
  return err instanceof Error && isAuthorizationFailure((err as { type?: unknown }).type)
}
