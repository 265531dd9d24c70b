import { buildConnector, Client, Dispatcher, errors } from 'undici'

/**
 * Client's options, less those this pool would silently ignore: the connector is built once from
 * `connect` (give the connect timeout and TLS settings there), and pipelining is always 1.
 */
export interface IdleClientPoolOptions extends Omit<
  Client.Options,
  | 'pipelining'
  | 'connectTimeout'
  | 'tls'
  | 'maxCachedSessions'
  | 'socketPath'
  | 'autoSelectFamily'
  | 'autoSelectFamilyAttemptTimeout'
  | 'allowH2'
> {
  /** The most connections (undici Clients) open at once; requests beyond them wait in order. */
  readonly connections: number
}

interface Waiting {
  readonly options: Dispatcher.DispatchOptions
  readonly handler: Dispatcher.DispatchHandler
}

/**
 * A pool of keep-alive connections to one origin that hands each request an idle connection off a
 * stack. undici's Pool finds one by walking its whole list of connections, twice per request
 * (once to pick, once to learn whether any is still free); with pipelining 1 every busy call is a
 * busy connection, so at the relay's hundreds to thousands of calls in flight that walk was 3.3%
 * of the relay's CPU in a relay50 profile, and it grows with the calls in flight. Each connection
 * is an undici Client, as in Pool; this class only chooses which one gets a request.
 */
export class IdleClientPool extends Dispatcher {
  readonly #origin: URL
  readonly #clientOptions: Client.Options
  readonly #connections: number
  readonly #clients = new Set<Client>()
  /** Connections able to take a request now; `#isIdle` mirrors it for membership. */
  readonly #idle: Client[] = []
  readonly #isIdle = new Set<Client>()
  /** Requests waiting for a connection, oldest first from `#head`. */
  #waiting: Waiting[] = []
  #head = 0
  #closing: Promise<void> | null = null
  #destroyed = false
  #whenNoneWaiting: (() => void) | null = null

  constructor(origin: string, options: IdleClientPoolOptions) {
    super()
    const { connections, connect, ...clientOptions } = options
    // Parsed and built once for every connection, as undici's Pool does: a URL and a connector
    // (with its TLS session cache) per connection cost ~0.5 KiB each.
    this.#origin = new URL(origin)
    this.#clientOptions = {
      ...clientOptions,
      pipelining: 1,
      connect: typeof connect === 'function' ? connect : buildConnector({ ...connect }),
    }
    this.#connections = connections
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    // as undici's dispatchers do: a refusal goes to the handler, not to the caller
    if (this.#destroyed || this.#closing !== null) {
      failWaiting(
        handler,
        this.#destroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError(),
      )
      return false
    }
    const client = this.#takeIdle() ?? this.#open()
    if (client === null) {
      this.#waiting.push({ options, handler })
      return false
    }
    this.#send(client, options, handler)
    return true
  }

  override close(callback: () => void): void
  override close(): Promise<void>
  override close(callback?: () => void): Promise<void> | undefined {
    this.#closing ??= (async () => {
      // requests already accepted still go out, then every connection finishes what it has
      if (this.#waitingCount() > 0) {
        await new Promise<void>((resolve) => (this.#whenNoneWaiting = resolve))
      }
      await Promise.all([...this.#clients].map((client) => client.close()))
    })()
    return settle(this.#closing, callback)
  }

  override destroy(err: Error | null, callback: () => void): void
  override destroy(callback: () => void): void
  override destroy(err?: Error | null): Promise<void>
  override destroy(
    errOrCallback?: Error | null | (() => void),
    callback?: () => void,
  ): Promise<void> | undefined {
    if (typeof errOrCallback === 'function') return settle(this.#destroy(null), errOrCallback)
    return settle(this.#destroy(errOrCallback ?? null), callback)
  }

  async #destroy(err: Error | null): Promise<void> {
    this.#destroyed = true
    const reason = err ?? new errors.ClientDestroyedError()
    for (const { handler } of this.#waiting.splice(this.#head)) failWaiting(handler, reason)
    this.#head = 0
    this.#waiting = []
    this.#whenNoneWaiting?.()
    await Promise.all([...this.#clients].map((client) => client.destroy(reason)))
  }

  #takeIdle(): Client | null {
    const client = this.#idle.pop()
    if (client === undefined) return null
    this.#isIdle.delete(client)
    return client
  }

  #open(): Client | null {
    if (this.#clients.size >= this.#connections) return null
    const client = new Client(this.#origin, this.#clientOptions)
    this.#clients.add(client)
    client.on('drain', () => this.#freed(client))
    // As undici's Pool does (nodejs/undici#3895): a connection that failed to connect is dropped;
    // the requests it held got the error, and waiting ones go to a new connection.
    client.on('connectionError', () => {
      this.#clients.delete(client)
      this.#isIdle.delete(client)
      const at = this.#idle.indexOf(client)
      if (at !== -1) this.#idle.splice(at, 1)
      this.#sendWaiting()
    })
    return client
  }

  /**
   * Gives `client` the request; back on the idle stack if it can still take one at once, or if it
   * refused the request outright (bad options go to the handler's error, no request is queued,
   * and no drain will ever come for it).
   */
  #send(
    client: Client,
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): void {
    if (client.dispatch(options, handler) || client.stats.size === 0) this.#makeIdle(client)
  }

  /**
   * A connection finished its request: the oldest waiting requests go on it, or it idles. A
   * waiting request it refuses outright leaves it idle, and the next one goes on it at once: no
   * drain will come from an idle connection to send it later.
   */
  #freed(client: Client): void {
    if (!this.#clients.has(client)) return
    this.#makeIdle(client)
    this.#sendWaiting()
  }

  /** Idle connections, then new ones up to the limit, for what waits, oldest first. */
  #sendWaiting(): void {
    while (this.#waitingCount() > 0) {
      const client = this.#takeIdle() ?? this.#open()
      if (client === null) return
      const next = this.#nextWaiting()
      if (next === null) return this.#makeIdle(client)
      this.#send(client, next.options, next.handler)
    }
  }

  #makeIdle(client: Client): void {
    if (this.#isIdle.has(client)) return
    this.#isIdle.add(client)
    this.#idle.push(client)
  }

  #nextWaiting(): Waiting | null {
    if (this.#head >= this.#waiting.length) return null
    const next = this.#waiting[this.#head] as Waiting
    this.#head++
    if (this.#head >= this.#waiting.length) {
      this.#waiting = []
      this.#head = 0
      this.#whenNoneWaiting?.()
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head)
      this.#head = 0
    }
    return next
  }

  #waitingCount(): number {
    return this.#waiting.length - this.#head
  }
}

/** Fails a request that never reached a connection, through whichever handler API it speaks. */
function failWaiting(handler: Dispatcher.DispatchHandler, err: Error): void {
  const legacy = handler as { onError?: (err: Error) => void }
  if (handler.onResponseError) {
    handler.onResponseError(null as unknown as Dispatcher.DispatchController, err)
  } else {
    legacy.onError?.(err)
  }
}

/** Dispatcher's two styles: a promise, or a callback when one is given. */
function settle(
  done: Promise<void>,
  callback: (() => void) | undefined,
): Promise<void> | undefined {
  if (callback === undefined) return done
  done.then(callback, callback)
  return undefined
}
