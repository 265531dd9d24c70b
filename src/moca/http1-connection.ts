import { connect as connectTcp, isIP, type Socket } from 'node:net'
import { connect as connectTls, type SecureContextOptions } from 'node:tls'
import { errors, type buildConnector, type Dispatcher } from 'undici'
import {
  Http1ResponseParser,
  type ResponseHeaders,
  type ResponseSink,
} from './http1-response-parser.js'

/** What a connection tells its pool; one object for all its connections. */
export interface ConnectionOwner {
  /** `connection` finished its request and can take another at once. */
  freed(connection: Http1Connection): void
  /** `connection` is closed and will take no more requests. */
  gone(connection: Http1Connection): void
  /** `connection` has a deadline now: the owner calls its expire() at least every tick. */
  watch(connection: Http1Connection): void
  /**
   * A request `connection` took but never started: its socket closed (or sent stray bytes)
   * before the request was written. Nothing was sent; it goes on another connection.
   */
  requeue(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void
}

export interface Http1ConnectionOptions {
  readonly origin: URL
  /** From `origin`, once for all connections: its host name without IPv6 brackets, its port. */
  readonly hostname: string
  readonly port: number
  readonly secure: boolean
  /** A connector of one's own (tests fail sockets through one); null: net or tls, here. */
  readonly connector: buildConnector.connector | null
  /** For the TCP (and TLS) connection, when `connector` is null. */
  readonly connectTimeout: number
  /** For an https origin, the CAs to trust instead of Node's (as tls.connect's `ca`). */
  readonly ca?: SecureContextOptions['ca']
  /** The origin's last TLS session, shared by its connections to resume instead of handshaking. */
  readonly tlsSession: { current: Buffer | undefined }
  /** For the status line and headers to arrive, counted from when the request was written. */
  readonly headersTimeout: number
  /** The longest silence between two reads of a body. */
  readonly bodyTimeout: number
  /** How long an idle connection stays open when the server gives no `keep-alive: timeout`. */
  readonly keepAliveTimeout: number
}

/** undici's connector's: TCP keep-alive probes after a minute of silence. */
const TCP_KEEP_ALIVE_DELAY_MS = 60_000

/** As undici: a server's `keep-alive: timeout` less 2 s, for the time its close takes to arrive. */
export const KEEP_ALIVE_HINT_MARGIN_MS = 2_000

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// a request target or header value that could end the line it is on, or hide a byte
const BAD_TEXT = /[^\t\x20-\x7e\x80-\xff]/
const BAD_PATH = /[^\x21-\x7e]/

/**
 * The connection each socket belongs to, for the listeners all sockets share. Not a property on
 * the socket: one more property turns a Socket's properties into a dictionary (≈ 0.4 KiB).
 */
const connectionOf = new WeakMap<Socket, Http1Connection>()

/** Headers the connection writes itself. */
const OWN_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
])

const enum Phase {
  /** Waiting for the connector, or for the handler to let the request go. */
  Connecting,
  /** Written; no final status yet. */
  AwaitingHead,
  ReadingBody,
}

/**
 * One request on a connection: the controller its handler sees. Its abort() ends this request
 * only, even when called after the connection moved on to the next one.
 */
class Exchange implements Dispatcher.DispatchController {
  aborted = false
  reason: Error | null = null
  phase = Phase.Connecting

  constructor(
    readonly connection: Http1Connection,
    /** Until it is written: its headers (the partner JWT) and body need not outlive that. */
    public request: Dispatcher.DispatchOptions | null,
    /** The status line and headers, checked and built once, at dispatch; null once written. */
    public head: string | null,
    readonly handler: Dispatcher.DispatchHandler,
    readonly headersTimeout: number,
    readonly bodyTimeout: number,
  ) {}

  get paused(): boolean {
    return false
  }

  abort(reason: Error): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.connection.abortExchange(this, reason)
  }

  // A response the relay reads is at most maxResponseBytes; there is no back-pressure to apply.
  pause(): void {}
  resume(): void {}
}

/**
 * One keep-alive HTTP/1.1 connection to one origin carrying one request at a time, with undici's
 * handler API (`onRequestStart` just before the bytes go, `onResponseStart`, `onResponseData`,
 * `onResponseEnd`, `onResponseError`) and undici's errors (and its connector, when given one), so
 * that what a request failure says about the wire reads as it did through undici's Client
 * (classify-network-error.ts).
 *
 * Why not undici's Client: each Client holds ≈ 5.5 KiB of heap for its connection (the Client in
 * dictionary mode, its parser, timers, and a dozen closures per connection), and the relay holds
 * one connection per call in flight, about a thousand of them. This holds the socket, a parser and
 * one object per request: ≈ 1.5 KiB. What it leaves out, the relay does not use: pipelining,
 * streamed or iterable bodies, upgrades, CONNECT, `Expect: 100-continue` and back-pressure.
 */
export class Http1Connection implements ResponseSink {
  #socket: Socket | null = null
  #connecting = false
  #exchange: Exchange | null = null
  #closed = false
  #idleTimeoutMs: number
  /** The socket has carried a request: reusing it waits two turns of the event loop (dispatch). */
  #used = false
  #turnsWaited = 0
  /**
   * When the current wait (connect, headers, body, idle) times out, in performance.now() ms (a
   * monotonic clock: a wall-clock step must not time out every call at once); 0: none.
   */
  #deadline = 0
  readonly #parser = new Http1ResponseParser(this)

  constructor(
    private readonly options: Http1ConnectionOptions,
    private readonly owner: ConnectionOwner,
  ) {
    this.#idleTimeoutMs = options.keepAliveTimeout
  }

  /**
   * Sends one request; the connection must not be busy. A request it cannot send as given fails
   * through its handler, with undici's InvalidArgumentError or NotSupportedError, before any
   * byte is written, and leaves the connection free.
   */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    if (this.#exchange !== null) throw new Error('Http1Connection: a request is already on it')
    if (this.#closed) {
      failHandler(handler, null, new errors.ClientClosedError())
      return
    }
    const head = requestHead(this.options.origin.host, options)
    if (head instanceof Error) {
      failHandler(handler, null, head)
      this.owner.freed(this)
      return
    }
    this.#exchange = new Exchange(
      this,
      options,
      head,
      handler,
      options.headersTimeout ?? this.options.headersTimeout,
      options.bodyTimeout ?? this.options.bodyTimeout,
    )
    if (this.#connecting) return
    if (this.#socket === null) this.#connect()
    // As undici does since GHSA-35p6-xmwp-9g52: a socket that carried a request waits turns of
    // the event loop, so that a close, a reset or stray bytes the server sent after its last
    // answer are read before the next request is written, and the request goes elsewhere unsent
    // instead of reading them as its answer or failing as "may have been applied".
    else if (this.#used) {
      this.#turnsWaited = 0
      setImmediate(Http1Connection.#startOnReusedSocket, this)
    } else this.#start(this.#exchange)
  }

  /** Closes it once idle; a request on it finishes first. */
  close(): void {
    this.#closed = true
    if (this.#exchange === null) this.#destroySocket()
  }

  /** Closes it now, failing the request on it with `err`. */
  destroy(err: Error): void {
    this.#closed = true
    const exchange = this.#exchange
    if (exchange !== null) this.#fail(exchange, err)
    this.#destroySocket()
  }

  /**
   * Times out a wait whose deadline has passed: a request fails with undici's HeadersTimeoutError
   * or BodyTimeoutError, an idle connection closes. The owner calls it on a tick; a deadline
   * instead of a timer per socket saves a Timeout and a bound function per request and per idle
   * spell (socket.setTimeout allocates both each time it is set).
   */
  expire(now: number): void {
    if (this.#pastDeadline(now)) this.#onTimeout()
  }

  /** True when idle past its keep-alive time: the server may be closing it right now. */
  staleAt(now: number): boolean {
    return this.#exchange === null && this.#pastDeadline(now)
  }

  #pastDeadline(now: number): boolean {
    return this.#deadline !== 0 && now >= this.#deadline
  }

  /** Called by Exchange.abort: a request aborted before its bytes went leaves the socket usable. */
  abortExchange(exchange: Exchange, reason: Error): void {
    if (this.#exchange !== exchange) return
    if (exchange.phase === Phase.Connecting) {
      this.#exchange = null
      failHandler(exchange.handler, exchange, reason)
      // a socket still connecting keeps its connect deadline, and idles once connected
      if (!this.#connecting) this.#release()
      return
    }
    this.#fail(exchange, reason)
    this.#destroySocket()
  }

  /**
   * Opens the socket with net or tls, the way undici's connector does (TCP keep-alive, no Nagle,
   * TLS session resumption, ALPN http/1.1), but with the connect timeout as this connection's
   * deadline: the connector keeps a WeakRef, a timer and four closures on every socket for good.
   */
  #connect(): void {
    this.#connecting = true
    if (this.options.connector !== null) {
      this.#connectThrough(this.options.connector)
      return
    }
    const { hostname, port, secure } = this.options
    const socket = secure
      ? connectTls({
          host: hostname,
          port,
          servername: isIP(hostname) === 0 ? hostname : undefined,
          ALPNProtocols: ['http/1.1'],
          session: this.options.tlsSession.current,
          ca: this.options.ca,
        })
      : connectTcp({ host: hostname, port })
    this.#socket = socket
    socket.setKeepAlive(true, TCP_KEEP_ALIVE_DELAY_MS)
    this.#listen(socket)
    if (secure) {
      socket.once('secureConnect', Http1Connection.#socketConnected)
      socket.on('session', Http1Connection.#socketSession)
    } else {
      socket.once('connect', Http1Connection.#socketConnected)
    }
    this.#waitFor(this.options.connectTimeout)
  }

  #connectThrough(connector: buildConnector.connector): void {
    const { origin, hostname, port } = this.options
    connector(
      { hostname, host: origin.host, protocol: origin.protocol, port: String(port) },
      (err, socket) => {
        this.#connecting = false
        if (err !== null || socket === null) {
          this.#closed = true
          const exchange = this.#exchange
          if (exchange !== null) this.#fail(exchange, err ?? new errors.SocketError('no socket'))
          this.owner.gone(this)
          return
        }
        this.#socket = socket as Socket
        this.#listen(this.#socket)
        this.#onConnected()
      },
    )
  }

  /** Listeners shared by every socket: five closures per connection would cost ≈ 0.3 KiB. */
  #listen(socket: Socket): void {
    socket.setNoDelay(true)
    connectionOf.set(socket, this)
    socket.on('data', Http1Connection.#socketData)
    socket.on('end', Http1Connection.#socketEnd)
    socket.on('error', Http1Connection.#socketError)
    socket.on('close', Http1Connection.#socketClose)
  }

  #onConnected(): void {
    this.#connecting = false
    this.#deadline = 0
    if (this.#closed && this.#exchange === null) {
      this.#destroySocket()
      return
    }
    const exchange = this.#exchange
    if (exchange !== null) this.#start(exchange)
    else this.#release()
  }

  /** Lets the handler see the connected socket, then writes the request unless it aborted. */
  #start(exchange: Exchange): void {
    const socket = this.#socket as Socket
    try {
      exchange.handler.onRequestStart?.(exchange, {})
    } catch (err) {
      if (this.#exchange === exchange) this.abortExchange(exchange, asError(err))
      return
    }
    if (this.#exchange !== exchange || exchange.aborted) return
    const request = exchange.request as Dispatcher.DispatchOptions
    const head = exchange.head as string
    exchange.request = null
    exchange.head = null
    this.#used = true
    const body = (request.body as string | Buffer | null | undefined) ?? null
    this.#parser.expect(request.method)
    exchange.phase = Phase.AwaitingHead
    this.#waitFor(exchange.headersTimeout)
    socket.cork()
    socket.write(head, 'latin1')
    if (body !== null && body.length > 0) socket.write(body)
    socket.uncork()
  }

  /**
   * Two turns, not one: a server that ends a socket right after its answer sends the FIN when its
   * write completes, a turn later. Measured with such a server, a request waiting behind the
   * answer on a one-connection pool failed as "other side closed" 200 times in 200 after one
   * turn, 0 in 200 after two, and 0 in 200 through undici's Client.
   */
  static #startOnReusedSocket(connection: Http1Connection): void {
    const exchange = connection.#exchange
    if (exchange === null || exchange.phase !== Phase.Connecting) return
    // (closed alone may mean "close once this request is done", from the pool's close())
    const socket = connection.#socket
    if (socket === null || socket.destroyed) connection.#lost(exchange, null)
    else if (++connection.#turnsWaited < 2) {
      setImmediate(Http1Connection.#startOnReusedSocket, connection)
    } else connection.#start(exchange)
  }

  static #socketConnected(this: Socket): void {
    ;(connectionOf.get(this) as Http1Connection).#onConnected()
  }

  static #socketSession(this: Socket, session: Buffer): void {
    ;(connectionOf.get(this) as Http1Connection).options.tlsSession.current = session
  }

  static #socketData(this: Socket, chunk: Buffer): void {
    ;(connectionOf.get(this) as Http1Connection).#onData(chunk)
  }

  static #socketEnd(this: Socket): void {
    ;(connectionOf.get(this) as Http1Connection).#onEnd()
  }

  static #socketError(this: Socket, err: Error): void {
    ;(connectionOf.get(this) as Http1Connection).#onSocketError(err)
  }

  static #socketClose(this: Socket): void {
    ;(connectionOf.get(this) as Http1Connection).#onClose()
  }

  /** Arms the deadline for the wait starting now. */
  #waitFor(ms: number): void {
    this.#deadline = performance.now() + ms
    this.owner.watch(this)
  }

  #onData(chunk: Buffer): void {
    try {
      this.#parser.execute(chunk)
    } catch (err) {
      const exchange = this.#exchange
      if (exchange !== null) this.#lost(exchange, asError(err))
      this.#destroySocket()
    }
  }

  onHead(statusCode: number, headers: ResponseHeaders, statusText: string): void {
    const exchange = this.#exchange
    if (exchange === null) return
    exchange.phase = Phase.ReadingBody
    this.#waitFor(exchange.bodyTimeout)
    exchange.handler.onResponseStart?.(exchange, statusCode, headers, statusText)
  }

  onBody(chunk: Buffer): void {
    const exchange = this.#exchange
    if (exchange === null || chunk.length === 0) return
    // the body timeout is the longest silence between reads
    this.#deadline = performance.now() + exchange.bodyTimeout
    exchange.handler.onResponseData?.(exchange, chunk)
  }

  onEnd(reusable: boolean, keepAliveHintMs: number | null): void {
    const exchange = this.#exchange
    if (exchange === null) return
    this.#exchange = null
    // Never idle longer than configured, nor than the server says it keeps the connection.
    // (undici lets the server's hint override the configured time, up to 10 minutes.)
    this.#idleTimeoutMs =
      keepAliveHintMs === null
        ? this.options.keepAliveTimeout
        : Math.min(this.options.keepAliveTimeout, keepAliveHintMs - KEEP_ALIVE_HINT_MARGIN_MS)
    if (!reusable || this.#idleTimeoutMs <= 0) this.#closed = true
    exchange.handler.onResponseEnd?.(exchange, {})
    this.#release()
  }

  /** The request is done: the socket idles for the next one, or closes. */
  #release(): void {
    if (this.#closed || this.#socket === null) {
      this.#destroySocket()
      return
    }
    this.#waitFor(this.#idleTimeoutMs)
    this.owner.freed(this)
  }

  #onEnd(): void {
    try {
      this.#parser.finish()
    } catch (err) {
      const exchange = this.#exchange
      if (exchange !== null) this.#lost(exchange, asError(err))
    }
    this.#destroySocket()
  }

  #onSocketError(err: Error): void {
    const exchange = this.#exchange
    if (exchange !== null) this.#lost(exchange, err)
    this.#destroySocket()
  }

  #onClose(): void {
    const exchange = this.#exchange
    if (exchange !== null) this.#lost(exchange, new errors.SocketError('closed'))
    this.#socket = null
    this.#closed = true
    this.owner.gone(this)
  }

  #onTimeout(): void {
    this.#deadline = 0
    const exchange = this.#exchange
    if (this.#connecting) {
      const { hostname, port } = this.options
      const err = new errors.ConnectTimeoutError(
        `Connect Timeout Error (attempted address: ${hostname}:${port}, timeout: ${this.options.connectTimeout}ms)`,
      )
      if (exchange !== null) this.#fail(exchange, err)
      this.#destroySocket()
      return
    }
    if (exchange === null) {
      this.#destroySocket() // idle past its keep-alive time
      return
    }
    if (exchange.phase === Phase.AwaitingHead) {
      this.#fail(exchange, new errors.HeadersTimeoutError())
    } else if (exchange.phase === Phase.ReadingBody) {
      this.#fail(exchange, new errors.BodyTimeoutError())
    } else {
      this.#lost(exchange, null) // its idle time ran out while the request waited its turn
    }
    this.#destroySocket()
  }

  /**
   * The socket is gone with `exchange` on it. A request not yet started on a socket that carried
   * others was never written: it goes back to the owner for another connection (a fresh socket
   * that failed to connect fails it instead, with the connect error). Anything else fails with
   * `err`, or with undici's "other side closed" when there is none.
   */
  #lost(exchange: Exchange, err: Error | null): void {
    if (this.#exchange !== exchange) return
    if (exchange.phase === Phase.Connecting && this.#used) {
      this.#exchange = null
      this.#closed = true
      this.owner.requeue(exchange.request as Dispatcher.DispatchOptions, exchange.handler)
      return
    }
    this.#fail(exchange, err ?? new errors.SocketError('other side closed'))
  }

  /** Ends `exchange` with `err`: the socket is no longer trusted to carry another request. */
  #fail(exchange: Exchange, err: Error): void {
    if (this.#exchange !== exchange) return
    this.#exchange = null
    this.#closed = true
    failHandler(exchange.handler, exchange, err)
  }

  #destroySocket(): void {
    this.#closed = true
    this.#deadline = 0
    const socket = this.#socket
    // a connector still at work hands its socket over later, and is closed then
    if (socket === null && this.#connecting) return
    socket?.destroy()
    // now, not on 'close' (a later tick): an idle connection must leave the idle stack before
    // another request can be handed to it
    this.owner.gone(this)
  }
}

/**
 * The status line and headers, ready for the socket as latin1, checked as they are built: an
 * error says why `options` cannot go on the wire as given (undici's InvalidArgumentError or
 * NotSupportedError), and nothing is sent.
 */
function requestHead(host: string, options: Dispatcher.DispatchOptions): string | Error {
  const { method, path, body, headers } = options
  if (typeof method !== 'string' || !TOKEN.test(method)) {
    return new errors.InvalidArgumentError('invalid request method')
  }
  if (method === 'CONNECT' || options.upgrade) {
    return new errors.NotSupportedError('CONNECT and upgrades are not supported')
  }
  if (typeof path !== 'string' || !path.startsWith('/') || BAD_PATH.test(path)) {
    return new errors.InvalidArgumentError('invalid request path')
  }
  if (body !== null && body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    return new errors.NotSupportedError('only string and Buffer request bodies are supported')
  }
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`
  if (headers !== null && headers !== undefined) {
    if (Array.isArray(headers) || typeof headers !== 'object' || Symbol.iterator in headers) {
      return new errors.NotSupportedError('request headers must be a plain object')
    }
    const fields = headers as Record<string, unknown>
    for (const name in fields) {
      if (!TOKEN.test(name)) {
        return new errors.InvalidArgumentError(`invalid header name ${JSON.stringify(name)}`)
      }
      if (OWN_HEADERS.has(name.toLowerCase())) {
        return new errors.InvalidArgumentError(`the connection sets the ${name} header itself`)
      }
      const value = fields[name]
      for (const one of Array.isArray(value) ? (value as unknown[]) : [value]) {
        if (one === undefined) continue
        if (typeof one !== 'string' || BAD_TEXT.test(one)) {
          return new errors.InvalidArgumentError(`invalid ${name} header value`)
        }
        head += `${name}: ${one}\r\n`
      }
    }
  }
  if (body !== null && body !== undefined) {
    head += `content-length: ${Buffer.byteLength(body as string | Buffer)}\r\n`
  } else if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    head += 'content-length: 0\r\n'
  }
  return head + '\r\n'
}

/** Tells a handler its request failed, through whichever handler API it speaks. */
export function failHandler(
  handler: Dispatcher.DispatchHandler,
  controller: Dispatcher.DispatchController | null,
  err: Error,
): void {
  const legacy = handler as { onError?: (err: Error) => void }
  if (handler.onResponseError) {
    handler.onResponseError(controller as Dispatcher.DispatchController, err)
  } else {
    legacy.onError?.(err)
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
