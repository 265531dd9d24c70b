import { loadConfig } from '../config/load-config.js'
import type { RelayConfig } from '../config/relay-config.js'
import { isRelayError } from '../errors/relay-error.js'
import { renderKafkaAclsCommands, requiredAcls } from '../kafka/required-acls.js'
import type { Command, ConfigCommandIo } from './command.js'
import { parseCommandLine, refuseUsage } from './usage-error.js'

const USAGE = `Usage:
  moca-relay acls [--config relay.yaml] [--principal User:name]
      Prints the Kafka ACLs the relay needs with this configuration (for run, replay, redrive
      and check), as kafka-acls.sh commands: its input topics, output topics, internal topics,
      consumer groups and transactional ids, and nothing on the cluster. The principal is
      User:<kafka.sasl.username>, or for oauthbearer User:<kafka.sasl.clientId> (brokers take the
      token's sub claim by default); --principal names another (mTLS: the certificate's DN).`

/** `moca-relay acls`: what to grant the relay's principal on a cluster with an authorizer. */
export function createAclsCommand(io: ConfigCommandIo): Command {
  return {
    name: 'acls',
    summary: 'Print the Kafka ACLs the relay needs, as kafka-acls.sh commands.',
    usage: USAGE,
    async run(args) {
      const parsed = parseCommandLine(
        'acls',
        USAGE,
        {
          args: [...args],
          options: {
            config: { type: 'string', default: 'relay.yaml' },
            principal: { type: 'string' },
          },
        },
        io.stderr,
      )
      if (parsed === null) return 2
      const given = parsed.values.principal
      const principalProblem = given === undefined ? null : problemOfPrincipal(given)
      if (principalProblem !== null) {
        return refuseUsage(io.stderr, 'acls', USAGE, principalProblem)
      }
      let config: RelayConfig
      try {
        config = (await loadConfig(parsed.values.config, io.env ? { env: io.env } : {})).config
      } catch (err) {
        io.stderr.write(
          `moca-relay acls: ${isRelayError(err) ? `${err.code}: ` : ''}${(err as Error).message}\n`,
        )
        return 1
      }
      const principal = given ?? defaultPrincipal(config)
      if (principal === null) {
        return refuseUsage(
          io.stderr,
          'acls',
          USAGE,
          "kafka.sasl is not set, so the principal is not known: pass --principal (mTLS: User:<the certificate's distinguished name>)",
        )
      }
      io.stdout.write(
        `${renderKafkaAclsCommands(requiredAcls(config), {
          principal,
          bootstrap: config.kafka.brokers.join(','),
        })}\n`,
      )
      return 0
    },
  }
}

function defaultPrincipal(config: RelayConfig): string | null {
  const sasl = config.kafka.sasl
  if (sasl === undefined) return null
  return `User:${sasl.mechanism === 'oauthbearer' ? sasl.clientId : sasl.username}`
}

/**
 * Kafka names a principal `<type>:<name>` (User:relay-svc); kafka-acls.sh refuses one without
 * the type, so a bare name would print commands that all fail.
 */
function problemOfPrincipal(principal: string): string | null {
  const colon = principal.indexOf(':')
  if (colon <= 0)
    return `--principal "${principal}" needs a type, e.g. User:${principal.replace(/^:/, '') || 'moca-relay'}`
  if (principal.slice(colon + 1).trim() === '')
    return `--principal "${principal}" has no name after the type, e.g. ${principal.slice(0, colon)}:moca-relay`
  return null
}
