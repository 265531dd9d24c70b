/**
 * Every error and failure code moca-relay can raise or publish, with what it means and what the
 * operator does about it. docs/errors.md is generated from this table and a test keeps the two in
 * step. Codes appear in `credential.failed` events (`failure.code`), in logs (`err.code`) and in
 * /readyz, so they are part of the public contract: add codes, never rename them.
 *
 * Codes carry a family prefix (INPUT_, MOCA_, CONFIG_, KEY_, KAFKA_, STACK_…) instead of one
 * product-wide prefix: downstream consumers filter on them, and the family says where to look.
 */
export const ErrorCodes = {
  // ── configuration and start-up ───────────────────────────────────────────
  CONFIG_INVALID: {
    meaning: 'The configuration file or an environment variable does not match the schema.',
    action: 'Read the field path in the message, fix that field, start again.',
  },
  CONFIG_FILE_NOT_FOUND: {
    meaning: 'The configuration file named by --config does not exist or cannot be read.',
    action: 'Pass the path of an existing YAML or JSON file to --config.',
  },
  KEY_INVALID: {
    meaning: 'The partner signing key cannot be read or does not fit the configured algorithm.',
    action:
      'Point moca.key at a PKCS#8 PEM file, a PEM or base64 body in the env variable, or a private JWK; ES256 needs a P-256 key, RS256 an RSA key of 2048 bits or more.',
  },

  KEY_FILE_EXISTS: {
    meaning:
      '`moca-relay keys generate` found a private key or a jwks.json in its --out folder and refused to overwrite it.',
    action:
      'Pick another --out folder, or pass --force to rotate: a new private key, and a JWKS that keeps every public key it published so tokens in flight still verify.',
  },
  KEY_KID_IN_USE: {
    meaning:
      '`moca-relay keys generate --force` was given a --kid that the JWKS in its --out folder already publishes. A new key under it would replace the public key tokens may still be signed with, and a verifier that cached the JWKS would refuse the new tokens.',
    action:
      "Rotate under a new kid: pass a --kid the JWKS does not hold, or none (the default is the new key's thumbprint), then set moca.key.kid to it. Nothing was written.",
  },
  KEY_JWKS_INVALID: {
    meaning:
      '`moca-relay keys generate --force` found a jwks.json it cannot read as a JWKS (not JSON, no "keys" array, an entry without kid, alg or kty, two entries with one kid), so it cannot keep the keys it publishes.',
    action:
      'Fix the file (it is what tokens are checked against), or move it away to start a new JWKS, then run again. Nothing was written.',
  },

  KEY_WRITE_FAILED: {
    meaning:
      '`moca-relay keys generate` could not create its --out folder or write the key files there (a file in the way, no permission, a full disk).',
    action: 'Read the path and the reason in the message; pick an --out folder you can write.',
  },
  SANDBOX_LISTEN_FAILED: {
    meaning:
      '`moca-relay sandbox` could not listen: its port is taken, or its host is not an address of this machine.',
    action: 'Pick another --port (or --host), or stop the program that holds the port.',
  },
  OPS_LISTEN_FAILED: {
    meaning:
      '`moca-relay run` could not open its ops port (/healthz, /readyz, /metrics and the JWKS): another program holds the port, the port needs privileges, or ops.host is not an address of this machine.',
    action:
      'Set ops.port (or MOCA_RELAY_OPS_PORT) to a free port, or stop the program that holds it; set ops.host to an address of this machine (0.0.0.0 for all of them). Keep the JWKS URL registered with MocaChain and the scrape target in step with the port.',
  },

  // ── input records (become credential.failed) ────────────────────────────
  INPUT_UNDECODABLE: {
    meaning:
      'The record has no value (tombstone), or its value is not valid UTF-8 JSON, not a payload its schema-registry schema can read, or in a content type the relay cannot decode.',
    action:
      'Fix the producer; then redrive the failed events with `moca-relay redrive --reason INPUT_UNDECODABLE`.',
  },
  INPUT_SCHEMA_UNKNOWN: {
    meaning: 'The record carries a schema-registry id the registry does not know.',
    action: 'Check that the relay and the producer use the same schema registry.',
  },
  INPUT_INVALID: {
    meaning:
      'The value decoded, but the event is not acceptable: not a JSON object, a CloudEvents attribute or header missing or malformed, a JSON Schema violation, or the route could not build a valid issuance command from it (missing or malformed email, credentialSubject not an object…).',
    action: 'Fix the producer or the route mapping; the message names the field or header.',
  },
  INPUT_MAPPING_FAILED: {
    meaning:
      'A route expression (filter, email, credentialSubject) threw while evaluating this event.',
    action:
      'Fix the expression in the routes file; the message names the route and the expression.',
  },
  INPUT_TOO_LARGE: {
    meaning: 'The record value is larger than input.maxRecordBytes.',
    action: 'Raise input.maxRecordBytes if the size is legitimate, or fix the producer.',
  },

  // ── MocaChain answers ───────────────────────────────────────────────────
  MOCA_BAD_REQUEST: {
    meaning:
      'MocaChain answered 400: a required field is missing or credentialSubject does not match the program schema.',
    action:
      'Fix the route mapping so credentialSubject matches the schema, then redrive with --reason MOCA_BAD_REQUEST.',
  },
  MOCA_CONSENT_REJECTED: {
    meaning: 'MocaChain answered 409: the user rejected credentials from this partner.',
    action: 'Ask the user to re-consent, then redrive with --reason MOCA_CONSENT_REJECTED.',
  },
  MOCA_DUPLICATE_CONFLICT: {
    meaning:
      'A recovery call with onDuplicate "ignore" got 409: a credential for this user and program exists, but MocaChain did not say which.',
    action:
      'Check the user in the MocaChain dashboard. A redrive does not help: it asks with "ignore" again and gets the same 409. To replace the credential, reissue that record alone, with the topic, partition and offset of the failed event\'s source: `moca-relay replay --topic TOPIC --from PARTITION:OFFSET --to PARTITION:OFFSET+1 --reissue` issues it as a new generation with the route\'s onDuplicate, "revoke" by default. On a route with onDuplicate "ignore" no command replaces it.',
  },
  MOCA_UNAUTHORIZED: {
    meaning:
      'MocaChain answered 401: the partner JWT was rejected (signature, kid not in the JWKS, expired, scope, partnerId).',
    action:
      'Check moca.partnerId, the signing key and kid, that the JWKS URL registered with MocaChain serves the public key, and the clock. The route resumes by itself once MocaChain accepts again.',
  },
  MOCA_FORBIDDEN: {
    meaning:
      'MocaChain answered 403: Issue on Behalf is not enabled for the partner, or the schema is not owned by the issuer.',
    action: 'Enable the feature in the dashboard or fix the program; the route resumes by itself.',
  },
  MOCA_PROGRAM_NOT_FOUND: {
    meaning:
      'MocaChain answered 404 to an issue call with its own error body: unknown issuerDid or credentialId (program).',
    action:
      'Fix program.issuerDid / program.credentialId of the route; the route resumes by itself.',
  },
  MOCA_ENDPOINT_NOT_FOUND: {
    meaning:
      "An issue or status call got a 404 that is not MocaChain's own (no `{error: 404, message}` body naming an unknown program or credential): a web server's or framework's 404, so the URL is not a MocaChain endpoint. The base URL or API version is wrong. The route pauses; no event is failed.",
    action:
      "Set moca.baseUrl (MOCA_BASE_URL) to MocaChain's base URL, ending in /v1 (e.g. https://api.sandbox.mocachain.org/v1), and restart; `moca-relay check` tells the two 404s apart. The route resumes by itself once MocaChain answers.",
  },
  MOCA_REDIRECTED: {
    meaning:
      'MocaChain answered a redirect (3xx) to an issue or status call: the base URL moved (a new host, a legacy host retired, http to https). The relay does not follow redirects: a POST must not be re-sent blindly. The route pauses until the base URL answers; no event is failed.',
    action:
      "Read the Location in the message (credentials and query removed) and, if it is MocaChain's new address, set moca.baseUrl (MOCA_BASE_URL) to the new base URL (ending in /v1) and restart; the route resumes by itself once MocaChain answers.",
  },
  MOCA_UNAVAILABLE: {
    meaning:
      'MocaChain could not be reached, or refused the call before any work (408, 429). Retried with backoff.',
    action:
      'Nothing while retries go on; watch moca_relay_retries_total and MocaChain status. Many 429s: set moca.rateLimit below your quota.',
  },
  MOCA_UNCERTAIN: {
    meaning:
      "The request may have reached MocaChain but no usable answer came back (a timeout or reset after sending, any 5xx). The next attempt uses onDuplicate \"ignore\"; after no answer, or a gateway's answer (502, 503, 504, a CDN's 52x, a 5xx without MocaChain's own error body), not before moca.uncertaintyWindow has passed since the call was sent.",
    action: 'Nothing: the relay recovers the credential without issuing twice.',
  },
  MOCA_RETRIES_EXHAUSTED: {
    meaning: 'MocaChain kept failing with retryable errors until the retry deadline passed.',
    action: 'Check MocaChain availability, then redrive with --reason MOCA_RETRIES_EXHAUSTED.',
  },
  MOCA_UNEXPECTED_RESPONSE: {
    meaning: 'MocaChain answered with a status or body the relay does not understand.',
    action: 'Report it with the logged body; the event is failed so nothing is lost.',
  },
  MOCA_STATUS_NOT_FOUND: {
    meaning:
      'The status endpoint does not know the coreClaimHash: MocaChain\'s own 404, "No credential found for the given hash." (another 404 is MOCA_ENDPOINT_NOT_FOUND), still answered confirm.notFoundGrace after issuance (sooner, the relay polls again).',
    action:
      "Check that the relay polls the same MocaChain environment it issued on; if MocaChain's status index lags its issue calls by more than confirm.notFoundGrace, raise it. Redrive re-polls the credential.",
  },
  CONFIRM_TIMEOUT: {
    meaning:
      'The credential did not reach ONCHAIN before confirm.deadline: no status answer about its coreClaimHash said ONCHAIN. The message names the last answer (a vcStatus, an answer about another coreClaimHash, an answer the relay could not read, or none).',
    action: 'Check MocaChain chain health; the credential may still land. Redrive re-polls it.',
  },
  CONFIRM_REQUEST_INVALID: {
    meaning:
      'A record of the internal confirm queue (`<prefix>.confirm-queue`) is not a confirm request: it has no value, is not JSON, or a field the confirm stage needs is missing or malformed. Only the relay writes that topic: this is a bug or a stray write. Its credential may have been issued, but it is not polled; the event keeps what could be read of the record (idempotencyKey, source…), and the message names the record and the field.',
    action:
      "When the event's source names an input topic, `moca-relay redrive --reason CONFIRM_REQUEST_INVALID` queues a new confirmation for the credential the issue ledger holds. Otherwise read the record at the topic, partition and offset in the message to find who wrote it, and report it.",
  },
  CONFIRM_REQUEST_NEWER_VERSION: {
    meaning:
      'A record of the confirm queue was written by a newer relay (a confirm request version this relay cannot read), e.g. during a rolling upgrade. It is neither failed nor passed: the records before it are confirmed, then its partition stops at it and is rebuilt at growing intervals (up to 30 s), committing nothing past it. `moca_relay_outcomes_total` counts it as `blocked`.',
    action:
      'Upgrade this relay (finish the rolling upgrade): a relay that reads the record takes the partition over and confirms it. Do not roll back below the version that wrote it while its records wait. If no relay version writes it (a stray write), stop the relays and move the confirm group (`<groupId>.confirm`) past the offset in the log line.',
  },

  // ── operator commands ───────────────────────────────────────────────────
  REPLAY_PAST_LIVE: {
    meaning:
      'A replay or reissue would reach records the live relay has not committed yet while it runs: both could issue the same key.',
    action:
      'Keep --to at live (the default) while the live relay runs, or stop the live relay first and replay to latest.',
  },
  REPLAY_PAST_LEDGER_RETENTION: {
    meaning:
      'A replay (not a reissue) covers input records whose ledger entries may be gone: records older than ledger.retention, or a ledger partition that retention emptied. The ledger no longer knows whether they were issued, so the replay would issue them again with onDuplicate "revoke". Nothing was started.',
    action:
      'Replay from a later --from (`--dry-run` names the partitions and offsets), or pass --allow-past-retention to issue those records again on purpose.',
  },
  REDRIVE_PAST_LEDGER_RETENTION: {
    meaning:
      'A redrive selected failed records whose ledger entries may be gone: records older than ledger.retention, or a ledger partition that retention emptied. The ledger no longer knows whether they failed or were issued since (by an earlier redrive, or another record of the same key), so the redrive would issue them again with onDuplicate "revoke". Nothing was started.',
    action:
      'Redrive a narrower selection with --reason or --since (`--dry-run` names the records), or pass --allow-past-retention to issue those records again on purpose, once you know their users hold no credential from them.',
  },
  RANGE_RUN_ACTIVE: {
    meaning:
      'A replay or redrive was started while another range run of the same relay (a non-empty consumer group `<groupId>.<run-id>`) reads the same input topic, or while its own --run-id is running: two runs over the same partitions could issue a key twice. Nothing was started.',
    action:
      'Let the other run finish, or stop it with Ctrl-C (it prints its resume line), then start again. A run killed with kill -9 leaves its group within kafka.sessionTimeout.',
  },

  // ── infrastructure ──────────────────────────────────────────────────────
  SCHEMA_REGISTRY_UNAVAILABLE: {
    meaning:
      'The schema registry could not be reached, timed out, or answered 408, 429 or 5xx while the relay looked up or registered a schema. Retried with backoff; the record is not lost.',
    action:
      'Check SCHEMA_REGISTRY_URL and that the registry runs (Apicurio: its /apis/ccompat/v7 endpoint answers); nothing else while retries go on.',
  },
  SCHEMA_REGISTRY_REJECTED: {
    meaning:
      'The schema registry refused a request: 401/403 (credentials), or it rejected an output schema (incompatible with the versions already under the subject, or invalid). A 401/403 while decoding an input record stops its partition at that record (no credential.failed; /readyz says why, and moca_relay_outcomes_total counts it as blocked) and the relay asks again at growing intervals.',
    action:
      'For 401/403 fix the registry credentials. For a rejected schema, read the subject and the registry message: the subject holds versions moca-relay cannot evolve from (see schemas/README.md), or its compatibility rule forbids the change.',
  },
  OUTPUT_ENCODING_FAILED: {
    meaning:
      'An output event does not fit the schema registered for its topic: a moca-relay bug, or a schema edited in the registry by hand.',
    action:
      'Report it with the logged event type and schema id. The partition stops and is rebuilt from its last commit at growing intervals (up to 30 s), its records intact, until the relay is fixed or the registered schema is restored from schemas/.',
  },
  KAFKA_UNAVAILABLE: {
    meaning:
      'The Kafka brokers cannot be reached, or they kept answering "not ready" for longer than the relay waits (30 s): a group coordinator still loading, or a partition whose leader is not serving it. The message says which.',
    action:
      "Check kafka.brokers / KAFKA_BROKERS and that the brokers run; `npm run stack:up` starts a local one. For a group or topic that was not ready, the message names it: check the brokers' logs (and `kafka-topics.sh --describe` for a partition without a leader), then run the command again.",
  },
  KAFKA_AUTH_FAILED: {
    meaning:
      'Kafka refused the SASL credentials, or (oauthbearer) the identity provider gave no token for the client credentials.',
    action:
      'Check kafka.sasl: username and KAFKA_SASL_PASSWORD, or tokenEndpoint, clientId, KAFKA_SASL_CLIENT_SECRET, scope and extensions, against what the cluster expects.',
  },
  KAFKA_NOT_AUTHORIZED: {
    meaning:
      "Kafka's authorizer refused the relay's principal an operation on a topic, a consumer group or a transactional id: an ACL is missing.",
    action:
      '`moca-relay acls --config relay.yaml` prints every ACL the relay needs (add `--principal User:<name>` when kafka.sasl is not set, e.g. with mTLS); grant them to its principal. A running partition Kafka refused is tried again, so granting the ACL is enough.',
  },
  KAFKA_TOPIC_MISSING: {
    meaning:
      'An input topic named by a route does not exist (the relay never creates input topics: they belong to the producers); or, for `moca-relay redrive`, the topics.failed topic it reads does not exist.',
    action:
      'Create the input topic, or fix routes[].topics. For topics.failed, check --config, kafka.brokers and topics.failed: the relay creates that topic when it starts. On a cluster with ACLs, run `moca-relay acls`: a topic the principal may not Describe looks missing.',
  },
  KAFKA_PARTITION_MISSING: {
    meaning:
      'The relay was about to write a record to a partition its topic does not have (a ledger partition for an input partition added while the relay ran, whose ledger could not be grown). Kafka clients drop such records without an error; the relay fails the transaction instead, so nothing it committed is missing its ledger entry.',
    action:
      'Nothing, usually: the partition is rebuilt from its last commit, and a relay that reads fresher metadata writes the record. If it repeats, grow the topic named in the message to the partition count of its input topic (`kafka-topics --alter --partitions <n>`), or grant the relay Alter on its internal topics (`moca-relay acls`).',
  },
  KAFKA_FENCED: {
    meaning: 'Another relay instance took over this partition and fenced this one (a rebalance).',
    action: 'Nothing: the partition continues on the other instance.',
  },
  STACK_JAVA_MISSING: {
    meaning:
      'The local stack needs Java (17+ for Kafka, 21+ for Apicurio) and Maven, and one is missing.',
    action:
      'Install a JDK and Maven (apt-get install openjdk-17-jdk-headless maven), set JAVA_HOME, or use Docker Compose.',
  },
  STACK_PORT_BUSY: {
    meaning:
      'A port the local stack needs is taken by a program that is not a Kafka broker or a registry.',
    action: 'Stop that program, or point KAFKA_BROKERS / SCHEMA_REGISTRY_URL at your own services.',
  },
  STACK_DOWNLOAD_FAILED: {
    meaning: 'Maven could not fetch the Kafka or Apicurio artifacts.',
    action:
      "Check access to Maven Central (the message shows Maven's output); retry `npm run stack:up`.",
  },
  STACK_START_TIMEOUT: {
    meaning: 'A local service did not become ready in time.',
    action: 'Read the log file named in the message.',
  },
  STACK_START_FAILED: {
    meaning: 'A local service (or the Kafka storage format step) exited before it became ready.',
    action:
      'Read the lines quoted in the message and the log file it names; `npm run stack:status` shows what still runs.',
  },
} as const satisfies Record<string, { meaning: string; action: string }>

export type ErrorCode = keyof typeof ErrorCodes
