/**
 * The error, its `cause`s, kafkajs's `originalError`s (retries wrap the last failure) and the
 * `errors` of an aggregate (one per topic of a CreateTopics), each once: where to look for what
 * a kafkajs failure is about.
 */
export function causeChain(err: unknown): Error[] {
  const chain: Error[] = []
  const pending: unknown[] = [err]
  while (pending.length > 0 && chain.length < 20) {
    const current = pending.shift()
    if (!(current instanceof Error) || chain.includes(current)) continue
    chain.push(current)
    const next = current as Error & { originalError?: unknown; errors?: unknown }
    pending.push(next.cause ?? next.originalError)
    if (Array.isArray(next.errors)) pending.push(...(next.errors as unknown[]))
  }
  return chain
}

/** kafkajs's own root cause of a failure (its consumer's getOriginalCause): `cause` to its end. */
export function originalCause(err: unknown): unknown {
  let current = err
  for (let depth = 0; depth < 20; depth++) {
    const cause = (current as { cause?: unknown } | null | undefined)?.cause
    if (!cause) return current
    current = cause
  }
  return current
}
