import type { Dispatcher } from 'undici'

type Headers = Dispatcher.ResponseData['headers']

export interface TextResponse {
  readonly statusCode: number
  readonly headers: Headers
  readonly body: TextBody
}

export type TextBody =
  /** The body as UTF-8, cut at `maxBytes`; `truncated`: the rest was not read, the socket closed. */
  | { readonly kind: 'text'; readonly text: string; readonly truncated: boolean }
  /** The connection failed after the status, before the body's end; `aborted` as in Unanswered. */
  | {
      readonly kind: 'failed'
      readonly error: Error
      readonly written: true
      readonly aborted: boolean
    }

/** No final status arrived: not sent, refused, reset, timed out, or aborted by `signal`. */
export interface Unanswered {
  readonly kind: 'unanswered'
  /** The connection's error (undici's or Node's), or the abort reason when `aborted`. */
  readonly error: Error
  /**
   * The dispatcher had handed the request to a connected socket (onRequestStart returned without an
   * abort), so its bytes may have reached the server. False while it waited for a connection or
   * the connection was being made: where refused, unreachable and unresolved hosts fail it.
   */
  readonly written: boolean
  /** `signal` ended it: `error` is the caller's reason, which says nothing about the wire. */
  readonly aborted: boolean
}

export type TextOutcome =
  { readonly kind: 'answered'; readonly response: TextResponse } | Unanswered

/**
 * One request through undici's handler API, its body gathered as text of at most `maxBytes`.
 * Rejects with undici's error when no final status arrived (not sent, refused, reset, timed out,
 * aborted by `signal`); a failure after the status resolves with a `failed` body, because the status
 * alone already tells the caller something.
 */
export async function requestText(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<TextResponse> {
  const outcome = await requestTextOutcome(dispatcher, options, maxBytes, signal)
  if (outcome.kind === 'unanswered') throw outcome.error
  return outcome.response
}

/**
 * requestText for a caller that must know whether the server may have the request: a failure
 * without a final status resolves as `unanswered`, saying how far the request got. It rejects only
 * if `dispatcher.dispatch` throws instead of reporting to the handler, as undici's never do.
 *
 * `dispatcher.request()` does the same through a Readable per response, an async iterator over
 * it and an AsyncResource: ≈ 20 CPU-µs more per call, on two calls per issued credential.
 */
export function requestTextOutcome(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<TextOutcome> {
  return new Promise((resolve) => {
    dispatcher.dispatch(options, new TextHandler(maxBytes, signal, resolve))
  })
}

class TextHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null
  private statusCode = 0
  private headers: Headers = {}
  private readonly chunks: Buffer[] = []
  private size = 0
  private truncated = false
  private settled = false
  private written = false
  private aborted = false
  private readonly onAbort: (() => void) | null = null

  constructor(
    private readonly maxBytes: number,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (outcome: TextOutcome) => void,
  ) {
    if (signal && !signal.aborted) {
      // A call still queued for a socket is aborted as soon as it gets one (onRequestStart).
      this.onAbort = () => this.abortBySignal()
      signal.addEventListener('abort', this.onAbort, { once: true })
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    // The connection calls this on a connected socket and writes the request as soon as it
    // returns, unless it was aborted here (Http1Connection, as undici's client-h1 writeH1): that
    // is the line between "not sent" and "the server may have it".
    if (this.signal?.aborted) this.abortBySignal()
    else this.written = true
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Headers,
  ) {
    if (statusCode < 200) return // 1xx: the final status is still to come
    this.statusCode = statusCode
    this.headers = headers
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.truncated) return
    if (this.size + chunk.length > this.maxBytes) {
      this.chunks.push(chunk.subarray(0, this.maxBytes - this.size))
      this.truncated = true
      this.finish(null)
      // Not reading the rest: the connection closes this socket instead of returning it to the pool.
      controller.abort(new Error(`response body over ${this.maxBytes} bytes`))
      return
    }
    this.chunks.push(chunk)
    this.size += chunk.length
  }

  onResponseEnd(): void {
    this.finish(null)
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.statusCode === 0) {
      if (!this.settle()) return
      this.resolve({ kind: 'unanswered', error, written: this.written, aborted: this.aborted })
      return
    }
    this.finish(error)
  }

  private finish(bodyError: Error | null): void {
    if (!this.settle()) return
    this.resolve({
      kind: 'answered',
      response: {
        statusCode: this.statusCode,
        headers: this.headers,
        body: bodyError
          ? { kind: 'failed', error: bodyError, written: true, aborted: this.aborted }
          : {
              kind: 'text',
              text: Buffer.concat(this.chunks).toString('utf8'),
              truncated: this.truncated,
            },
      },
    })
  }

  /** Before a socket is ours there is nothing to abort: onRequestStart aborts it on arrival. */
  private abortBySignal(): void {
    if (this.controller === null || this.signal === undefined) return
    this.aborted = true
    this.controller.abort(abortReason(this.signal))
  }

  /** True the first time: the promise settles once, and the abort listener goes with it. */
  private settle(): boolean {
    if (this.settled) return false
    this.settled = true
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort)
    return true
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  return reason instanceof Error ? reason : new DOMException('The call was aborted', 'AbortError')
}
