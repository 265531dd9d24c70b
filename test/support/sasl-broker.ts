import { startDedicatedBroker, type DedicatedBroker } from '../../bench/chaos/dedicated-broker.js'
import { findFreePort } from '../../bench/support/free-port.js'

export interface SaslBrokerUsers {
  /** PLAIN users: name → password (in the listener's JAAS line). */
  readonly plain: Readonly<Record<string, string>>
  /** SCRAM-SHA-512 users: name → password (stored in the cluster metadata at format time). */
  readonly scram: Readonly<Record<string, string>>
  /** OAUTHBEARER: the identity provider whose tokens the broker accepts (JWKS, iss, aud). */
  readonly oauth?: { readonly jwksUrl: string; readonly issuer: string; readonly audience: string }
  /**
   * Kafka's StandardAuthorizer: SASL principals may do only what ACLs allow. The plaintext
   * listener's principal (User:ANONYMOUS: the broker itself, the test's own clients) is a super
   * user. @default false
   */
  readonly authorizer?: boolean
}

export interface SaslBroker {
  /** `127.0.0.1:<port>` of the listener that requires SASL (PLAIN, SCRAM-SHA-512, OAUTHBEARER). */
  readonly saslAddress: string
  readonly broker: DedicatedBroker
}

/**
 * A broker of the test's own (the local stack's, on free ports) with one more listener that
 * requires SASL: PLAIN and SCRAM-SHA-512 users, and OAUTHBEARER tokens checked against an
 * identity provider's JWKS (Kafka's OAuthBearerValidatorCallbackHandler, as Strimzi or a
 * self-hosted cluster with Keycloak runs it). Sessions last at most 30 s, or until their token
 * expires, as `connections.max.reauth.ms` makes a cluster require re-authentication. Its plaintext
 * listener stays for the readiness probe and the test's own clients.
 */
export async function startSaslBroker(users: SaslBrokerUsers): Promise<SaslBroker> {
  const saslPort = await findFreePort()
  const plainUsers = Object.entries(users.plain)
    .map(([name, password]) => `user_${name}="${password}"`)
    .join(' ')
  const listener = 'listener.name.sasl_plaintext'
  const broker = await startDedicatedBroker(() => undefined, {
    extraProperties: ({ kafkaPort, controllerPort }) =>
      [
        `listeners=PLAINTEXT://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${controllerPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${kafkaPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
        `${listener}.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512${users.oauth ? ',OAUTHBEARER' : ''}`,
        `${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
        `${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
        ...(users.oauth
          ? [
              `${listener}.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;`,
              `${listener}.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler`,
              `sasl.oauthbearer.jwks.endpoint.url=${users.oauth.jwksUrl}`,
              `sasl.oauthbearer.expected.issuer=${users.oauth.issuer}`,
              `sasl.oauthbearer.expected.audience=${users.oauth.audience}`,
            ]
          : []),
        // sessions end when their token expires, or after 30 s: clients must re-authenticate
        'connections.max.reauth.ms=30000',
        ...(users.authorizer
          ? [
              'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
              'super.users=User:ANONYMOUS',
            ]
          : []),
      ].join('\n'),
    formatArguments: Object.entries(users.scram).flatMap(([name, password]) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${name},password=${password}]`,
    ]),
  })
  return { saslAddress: `127.0.0.1:${saslPort}`, broker }
}
