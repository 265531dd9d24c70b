/**
 * Every default of moca-relay in one place, each with the reason for its value. The config schema
 * reads these; nothing else hard-codes a tunable.
 */
export const DEFAULTS = {
  kafka: {
    clientId: 'moca-relay',
    groupId: 'moca-relay',
    /** Every `send` is awaited with acks=all: an output is only as durable as the broker makes it. */
    acks: -1,
    /**
     * Kafka aborts a transaction left open this long by a crashed relay. Short, so that
     * read_committed readers (downstream and our own restore) are not stalled for a minute after a
     * kill -9; long enough for the slowest healthy commit.
     */
    transactionTimeoutMs: 30_000,
    /**
     * kafkajs heartbeats between batches, and ours return at once, so heartbeats are frequent. A
     * restarted member waits for its killed predecessor to time out of the group: 10 s keeps that
     * wait short (the broker's group.min.session.timeout.ms is 6 s).
     */
    sessionTimeoutMs: 10_000,
    /**
     * kafkajs's own default, set explicitly because the config schema refuses a sessionTimeout the
     * consumer cannot use: kafkajs throws when the heartbeat interval is not below the session.
     */
    heartbeatIntervalMs: 3_000,
    /**
     * The longest the broker holds a fetch that finds nothing, and (kafkajs) how long a consumer
     * whose partitions are all paused on a full budget sleeps before it fetches again. At 100 ms
     * that sleep, not the commits, paced a replay (≈ 23,000 events/s on 2 cores; 20 ms: ≈ 32,000);
     * the cost is up to 50 empty fetches per second per stage while idle.
     */
    fetchMaxWaitMs: 20,
    /**
     * How often the consumers and producers refresh their view of the cluster, and so how soon a
     * partition added to an input topic is consumed (nothing is lost meanwhile: its records wait).
     * Kafka's Java clients and kafkajs use 5 min; each refresh is one small metadata request.
     */
    metadataMaxAgeMs: 300_000,
    /**
     * The relay's batches go uncompressed: on the bench (loopback, ≈ 5 KiB per event), lz4 and
     * snappy cost as much CPU as the smaller writes saved. Across a network billed by the byte,
     * a partner turns it on.
     */
    compression: 'none',
  },
  topics: {
    issued: 'credential.issued',
    onchain: 'credential.onchain',
    failed: 'credential.failed',
    /** Internal topics (ledgers, confirm queue) are named `<internalPrefix>.…`. */
    internalPrefix: 'moca-relay',
    /** Partitions of output and internal topics the relay creates; 12 spreads well on 1–12 instances. */
    partitions: 12,
    /** -1: min(3, brokers) (kafkajs's CreateTopics predates the broker's own -1 default). */
    replicationFactor: -1,
  },
  issue: {
    /**
     * Records admitted per partition and not yet committed; the consumer pauses beyond it. A record
     * holds its slot from admission through its intent's commit, the call and its outcome's commit
     * (≈ 1 s under load, not 50 ms): on 2 cores 512 raised relay50's steady state by ≈ 20% over
     * 256, 1,024 added nothing.
     */
    maxInFlight: 512,
    /**
     * The budget a partition starts with; every commit adds the records it completed, up to
     * maxInFlight (TCP's slow start: it doubles per round trip). A relay starting on a backlog does
     * not open thousands of calls to MocaChain at once, and its first outcomes are not queued
     * behind them.
     */
    initialInFlight: 32,
    /** How long intents and outcomes gather before one transaction commits them. */
    commitInterval: 20,
  },
  retry: {
    /** First retry after 500 ms, doubling to 30 s, full jitter: the AWS-architecture-blog schedule. */
    initialDelay: 500,
    multiplier: 2,
    maxDelay: 30_000,
    /** After 10 minutes of retryable failures one event gives up and becomes credential.failed. */
    deadline: 600_000,
    /** A server may ask for a longer pause with Retry-After; we never wait longer than this. */
    maxRetryAfter: 60_000,
  },
  circuit: {
    /** First probe 1 s after a route's circuit opens, doubling to 30 s between probes. */
    probeInitialDelay: 1_000,
    probeMaxDelay: 30_000,
  },
  confirm: {
    /** Pending polls are timers, not calls: thousands per partition cost little memory. */
    maxInFlight: 4_096,
    /** DESIGN: poll from 1 s, doubling, capped at 30 s (MocaChain's own guidance). */
    initialDelay: 1_000,
    multiplier: 2,
    maxDelay: 30_000,
    /** DESIGN: CONFIRM_TIMEOUT after 10 minutes; MocaChain calls more than 5 minutes abnormal. */
    deadline: 600_000,
    /**
     * How soon after issuance a status 404 ("No credential found") is read as a status index
     * that has not caught up with the issue call yet, and polled again. MocaChain does not say
     * how soon a hash it just returned can be looked up; a minute is many blocks.
     */
    notFoundGrace: 60_000,
  },
  moca: {
    baseUrl: 'sandbox',
    /** MocaChain recommends 5-minute partner JWTs; its own tooling refuses more than 15. */
    tokenTtl: 300_000,
    connectTimeout: 5_000,
    /** An issue call that has not answered in 10 s is treated as uncertain and recovered. */
    requestTimeout: 10_000,
    /**
     * A call we gave up on may still be handled by MocaChain afterwards. Before asking again with
     * "ignore", the relay waits until this long after the call was sent, so a late call lands
     * first and is found rather than overwriting the recovery's credential. Three request timeouts.
     */
    uncertaintyWindow: 30_000,
    /**
     * Calls wait in the pool's queue beyond this many sockets, and the time they wait holds budget
     * slots. 2,048 lets 8 partitions' full budgets call at once; on the bench (12 partitions) the
     * step from 512 raised the relay's median throughput by ≈ 7% and its steady state by ≈ 20%.
     */
    connections: 2048,
    /** The relay's own HTTP/1.1 connections: ≈ 7.2 KiB per call in flight, 11.6 with undici's Pool. */
    httpClient: 'relay' as 'relay' | 'undici',
  },
  ledger: {
    /**
     * How long the ledger remembers an issuance. A replay older than this issues again (with
     * onDuplicate "revoke", so the user still holds one credential).
     */
    retention: 30 * 86_400_000,
  },
  input: {
    /** Kafka's default max.message.bytes is 1 MiB; half of it is already a suspicious event. */
    maxRecordBytes: 512 * 1024,
  },
  ops: {
    host: '127.0.0.1',
    /** 9464 is the port the Prometheus community lists for Node.js exporters. */
    port: 9464,
    jwksPath: '/.well-known/jwks.json',
  },
  shutdown: {
    /** SIGTERM drains in-flight calls this long before the process closes anyway. */
    drainTimeout: 30_000,
  },
} as const
