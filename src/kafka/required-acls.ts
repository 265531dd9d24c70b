import type { RelayConfig } from '../config/relay-config.js'
import { confirmQueueTopic } from '../ledger/ledger-topics.js'

export type AclOperation = 'Read' | 'Write' | 'Create' | 'Delete' | 'Alter' | 'Describe'

/** One kafka-acls grant: a resource (a name, or every name starting with it) and operations. */
export interface AclGrant {
  readonly resourceType: 'topic' | 'group' | 'transactional-id'
  readonly patternType: 'literal' | 'prefixed'
  readonly name: string
  readonly operations: readonly AclOperation[]
  /** Which part of the relay needs it, for the operator reading the list. */
  readonly why: string
}

/**
 * Every ACL the relay's principal needs on a cluster with an authorizer, for `run`, `replay`,
 * `redrive` and `check` with this config: nothing on the cluster resource, nothing outside the
 * config's topics, its internal prefix, its group id and its transactional-id prefix.
 * test/integration/relay-kafka-acls.test.ts runs a relay with exactly these grants.
 */
export function requiredAcls(config: RelayConfig): AclGrant[] {
  const { topics, kafka } = config
  const create: AclOperation[] = topics.create ? ['Create'] : []
  const inputs = [...new Set(config.routes.flatMap((route) => route.topics))]
  const transactionalIdPrefix = kafka.transactionalIdPrefix ?? kafka.groupId
  return [
    ...inputs.map((name) =>
      grant(
        'topic',
        'literal',
        name,
        ['Read', 'Describe'],
        'an input topic: consumed by run, read again by replay',
      ),
    ),
    ...[topics.issued, topics.onchain].map((name) =>
      grant('topic', 'literal', name, ['Write', 'Describe', ...create], 'an output topic'),
    ),
    grant(
      'topic',
      'literal',
      topics.failed,
      ['Write', 'Read', 'Describe', ...create],
      'the failed-events topic: written by run, read by redrive',
    ),
    grant(
      'topic',
      'prefixed',
      `${topics.internalPrefix}.`,
      ['Read', 'Write', 'Describe', 'Create', 'Alter'],
      `internal topics: the ledgers (created at start-up, grown with their input topic) and ${confirmQueueTopic(topics.internalPrefix)}`,
    ),
    grant('group', 'literal', kafka.groupId, ['Read', 'Describe'], 'the issue stage'),
    grant(
      'group',
      'prefixed',
      `${kafka.groupId}.`,
      ['Read', 'Describe', 'Delete'],
      'the confirm stage, and the groups replay and redrive use for one run and delete after it',
    ),
    grant(
      'transactional-id',
      'prefixed',
      `${transactionalIdPrefix}.`,
      ['Write', 'Describe'],
      'one transactional producer per input partition (and per confirm-queue partition), and one per input partition that replays and redrives share (`.range.`)',
    ),
  ]
}

function grant(
  resourceType: AclGrant['resourceType'],
  patternType: AclGrant['patternType'],
  name: string,
  operations: readonly AclOperation[],
  why: string,
): AclGrant {
  return { resourceType, patternType, name, operations, why }
}

/** The grants as `kafka-acls.sh` commands, each after a comment saying what it is for. */
export function renderKafkaAclsCommands(
  grants: readonly AclGrant[],
  options: { readonly principal: string; readonly bootstrap: string },
): string {
  return grants
    .map((grant) => {
      const parts = [
        'kafka-acls.sh',
        `--bootstrap-server ${options.bootstrap}`,
        '--add',
        `--allow-principal '${options.principal}'`,
        ...grant.operations.map((operation) => `--operation ${operation}`),
        ...(grant.patternType === 'prefixed' ? ['--resource-pattern-type prefixed'] : []),
        `--${grant.resourceType} '${grant.name}'`,
      ]
      const what =
        grant.patternType === 'prefixed' ? `names starting with ${grant.name}` : grant.name
      return `# ${grant.resourceType} ${what}: ${grant.why}\n${parts.join(' ')}`
    })
    .join('\n\n')
}
