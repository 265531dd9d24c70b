import type { SecureContextOptions } from 'node:tls'
import { Dispatcher, errors, type buildConnector } from 'undici'
import {
  failHandler,
  Http1Connection,
  type ConnectionOwner,
  type Http1ConnectionOptions,
} from './http1-connection.js'

/** How connections are made: a timeout (undici's 10 s) and extra CAs, or a connector. */
export type ConnectOptions =
  { readonly timeout?: number; readonly ca?: SecureContextOptions['ca'] } | buildConnector.connector

export interface IdleClientPoolOptions {
  /** The most connections open at once; requests beyond them wait in order. */
  readonly connections: number
  /** The connect timeout and CAs, or a connector of one's own (tests fail sockets through one). */
  readonly connect?: ConnectOptions
  /** For a response's status line and headers, from when the request was written; undici's 300 s. */
  readonly headersTimeout?: number
  /** The longest silence between two reads of a body; undici's 300 s. */
  readonly bodyTimeout?: number
  /** An idle connection's life when the server gives no `keep-alive: timeout`; undici's 4 s. */
  readonly keepAliveTimeout?: number
}

const LEGACY_HANDLER =
  "IdleClientPool takes undici's handler API (onRequestStart, onResponseStart, onResponseData, onResponseEnd, onResponseError), not the legacy one (onConnect, onHeaders, onData, onComplete) that dispatcher.request() and stream() use: call it through moca/request-text.ts"

interface Waiting {
  readonly options: Dispatcher.DispatchOptions
  readonly handler: Dispatcher.DispatchHandler
}

/**
 * A pool of keep-alive HTTP/1.1 connections to one origin that hands each request an idle
 * connection off a stack, one request per connection at a time.
 *
 * Its connections are Http1Connection, not undici Clients: the relay holds one connection per
 * call in flight, about a thousand, and a Client costs ≈ 5.5 KiB of heap each where
 * Http1Connection costs ≈ 1.5 (see its comment). Each request still goes through undici's
 * connector, handler API and errors. It also replaced undici's Pool, which finds an idle
 * connection by walking its whole list, twice per request: at the relay's calls in flight that
 * walk was 3.3% of the relay's CPU in a relay50 profile.
 */
export class IdleClientPool extends Dispatcher implements ConnectionOwner {
  readonly #connectionOptions: Http1ConnectionOptions
  readonly #connections: number
  readonly #open = new Set<Http1Connection>()
  /** Connections able to take a request now; `#isIdle` mirrors it for membership. */
  readonly #idle: Http1Connection[] = []
  readonly #isIdle = new Set<Http1Connection>()
  /** Requests waiting for a connection, oldest first from `#head`. */
  #waiting: Waiting[] = []
  #head = 0
  #closing: Promise<void> | null = null
  #destroyed = false
  #whenNoneWaiting: (() => void) | null = null
  /** Resolved, and emptied, when the last open connection is gone. */
  #whenAllGone: (() => void)[] = []
  /** Checks every connection's deadline while any is open. */
  #ticker: NodeJS.Timeout | null = null
  readonly #tickMs: number

  constructor(origin: string | URL, options: IdleClientPoolOptions) {
    super()
    const { connections, connect = {} } = options
    const url = new URL(origin)
    const secure = url.protocol === 'https:'
    // one object for every connection (a URL per connection would cost ≈ 0.2 KiB each)
    this.#connectionOptions = {
      origin: url,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: Number(url.port || (secure ? 443 : 80)),
      secure,
      connector: typeof connect === 'function' ? connect : null,
      connectTimeout: (typeof connect === 'function' ? undefined : connect.timeout) ?? 10_000,
      ca: typeof connect === 'function' ? undefined : connect.ca,
      tlsSession: { current: undefined },
      headersTimeout: options.headersTimeout ?? 300_000,
      bodyTimeout: options.bodyTimeout ?? 300_000,
      keepAliveTimeout: options.keepAliveTimeout ?? 4_000,
    }
    this.#connections = connections
    const { headersTimeout, bodyTimeout, keepAliveTimeout, connectTimeout } =
      this.#connectionOptions
    // a tenth of the shortest wait, so that a timeout fires at most 10% late (and an idle
    // connection is also checked when taken off the stack)
    this.#tickMs = Math.max(
      5,
      Math.min(
        1_000,
        Math.floor(Math.min(headersTimeout, bodyTimeout, keepAliveTimeout, connectTimeout) / 10),
      ),
    )
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    // as undici's dispatchers do: a refusal goes to the handler, not to the caller
    if (this.#destroyed || this.#closing !== null) {
      const reason = this.#destroyed
        ? new errors.ClientDestroyedError()
        : new errors.ClientClosedError()
      failHandler(handler, null, reason)
      return false
    }
    if (typeof handler.onResponseStart !== 'function') {
      // undici's own dispatchers adapt the legacy API (onConnect, onHeaders, onData, onComplete:
      // `dispatcher.request()` uses it); its connections would wait for ever on one
      failHandler(handler, null, new errors.InvalidArgumentError(LEGACY_HANDLER))
      return false
    }
    return this.#place(options, handler, false)
  }

  override close(callback: () => void): void
  override close(): Promise<void>
  override close(callback?: () => void): Promise<void> | undefined {
    this.#closing ??= (async () => {
      // requests already accepted still go out, then every connection finishes what it has
      if (this.#waitingCount() > 0) {
        await new Promise<void>((resolve) => (this.#whenNoneWaiting = resolve))
      }
      await this.#closeAll((connection) => connection.close())
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

  /** From a connection: it finished a request; the oldest waiting one goes on it, or it idles. */
  freed(connection: Http1Connection): void {
    if (!this.#open.has(connection)) return
    if (this.#closing !== null && this.#waitingCount() === 0) {
      connection.close()
      return
    }
    this.#makeIdle(connection)
    this.#sendWaiting()
  }

  /**
   * From a connection: it closed (idle past its keep-alive time, closed by the server, failed to
   * connect, or failed a request). Waiting requests go on another connection, a new one if need be.
   */
  gone(connection: Http1Connection): void {
    if (!this.#open.delete(connection)) return
    if (this.#isIdle.delete(connection)) {
      const at = this.#idle.lastIndexOf(connection)
      if (at !== -1) this.#idle.splice(at, 1)
    }
    if (this.#open.size === 0) for (const resolve of this.#whenAllGone.splice(0)) resolve()
    if (!this.#destroyed) this.#sendWaiting()
  }

  /**
   * From a connection: a request it took was never written (its socket closed first). It goes
   * on another connection, ahead of the requests that came after it.
   */
  requeue(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    if (this.#destroyed) failHandler(handler, null, new errors.ClientDestroyedError())
    else this.#place(options, handler, true)
  }

  /**
   * On an idle connection, else a new one within the limit, else in the queue: at its end, or
   * at its head (`first`) for a request that was already waiting its turn. True when sent now.
   */
  #place(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
    first: boolean,
  ): boolean {
    const connection = this.#takeIdle() ?? this.#openConnection()
    if (connection !== null) {
      connection.dispatch(options, handler)
      return true
    }
    if (first) this.#waiting.splice(this.#head, 0, { options, handler })
    else this.#waiting.push({ options, handler })
    return false
  }

  /** From a connection: it has a deadline to keep. */
  watch(): void {
    if (this.#ticker !== null) return
    this.#ticker = setInterval(() => this.#tick(), this.#tickMs).unref()
  }

  #tick(): void {
    if (this.#open.size === 0) {
      clearInterval(this.#ticker as NodeJS.Timeout)
      this.#ticker = null
      return
    }
    const now = performance.now()
    for (const connection of this.#open) connection.expire(now)
  }

  async #destroy(err: Error | null): Promise<void> {
    this.#destroyed = true
    const reason = err ?? new errors.ClientDestroyedError()
    for (const { handler } of this.#waiting.splice(this.#head)) failHandler(handler, null, reason)
    this.#head = 0
    this.#waiting = []
    this.#whenNoneWaiting?.()
    await this.#closeAll((connection) => connection.destroy(reason))
  }

  /** Applies `end` to every connection and resolves once all are gone. */
  async #closeAll(end: (connection: Http1Connection) => void): Promise<void> {
    const gone = new Promise<void>((resolve) => this.#whenAllGone.push(resolve))
    for (const connection of [...this.#open]) end(connection)
    if (this.#open.size > 0) await gone
  }

  /** The most recently freed connection not idle past its keep-alive time. */
  #takeIdle(): Http1Connection | null {
    for (;;) {
      const connection = this.#idle.pop()
      if (connection === undefined) return null
      this.#isIdle.delete(connection)
      if (!connection.staleAt(performance.now())) return connection
      connection.close()
    }
  }

  #openConnection(): Http1Connection | null {
    if (this.#open.size >= this.#connections) return null
    const connection = new Http1Connection(this.#connectionOptions, this)
    this.#open.add(connection)
    return connection
  }

  /** Idle connections, then new ones up to the limit, for what waits, oldest first. */
  #sendWaiting(): void {
    while (this.#waitingCount() > 0) {
      const connection = this.#takeIdle() ?? this.#openConnection()
      if (connection === null) return
      // taking the connection may have closed a stale one, whose gone() sent what waited
      const next = this.#nextWaiting()
      if (next === null) return this.#makeIdle(connection)
      connection.dispatch(next.options, next.handler)
    }
  }

  #makeIdle(connection: Http1Connection): void {
    if (this.#isIdle.has(connection)) return
    this.#isIdle.add(connection)
    this.#idle.push(connection)
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

/** Dispatcher's two styles: a promise, or a callback when one is given. */
function settle(
  done: Promise<void>,
  callback: (() => void) | undefined,
): Promise<void> | undefined {
  if (callback === undefined) return done
  done.then(callback, callback)
  return undefined
}
