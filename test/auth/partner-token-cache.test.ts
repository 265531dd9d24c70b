import { describe, expect, it } from 'vitest'
import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { loadSigningKey } from '../../src/auth/load-signing-key.js'
import { createPartnerTokenCache } from '../../src/auth/partner-token-cache.js'
import {
  createPartnerTokenSigner,
  type PartnerTokenSigner,
} from '../../src/auth/partner-token-signer.js'

/** The real signer, counting its signatures; the clock is the test's. */
async function countingSigner(clock: {
  now: number
}): Promise<{ signer: PartnerTokenSigner; signs: () => number }> {
  const generated = await generatePartnerKey()
  const key = await loadSigningKey({ source: { kind: 'text', text: generated.privateKeyPem } })
  const real = createPartnerTokenSigner({ key, partnerId: 'p', now: () => clock.now })
  let count = 0
  return {
    signer: {
      ttlSeconds: real.ttlSeconds,
      sign(email) {
        count += 1
        return real.sign(email)
      },
    },
    signs: () => count,
  }
}

describe('createPartnerTokenCache', () => {
  it('reuses one token per email until shortly before it expires', async () => {
    const clock = { now: Date.parse('2026-01-19T07:00:00Z') }
    const { signer, signs } = await countingSigner(clock)
    const cache = createPartnerTokenCache({ signer, now: () => clock.now })

    const first = await cache.tokenFor('a@example.com')
    clock.now += 239_000 // 61 s left of 300
    expect(await cache.tokenFor('a@example.com')).toBe(first)
    expect(signs()).toBe(1)

    clock.now += 2_000 // 59 s left: refresh
    const second = await cache.tokenFor('a@example.com')
    expect(second).not.toBe(first)
    expect(signs()).toBe(2)
  })

  it('signs one token per email', async () => {
    const clock = { now: Date.now() }
    const { signer } = await countingSigner(clock)
    const cache = createPartnerTokenCache({ signer, now: () => clock.now })
    expect(await cache.tokenFor('a@example.com')).not.toBe(await cache.tokenFor('b@example.com'))
  })

  it('shares one in-flight signature among concurrent requests for the same email', async () => {
    const clock = { now: Date.now() }
    const { signer, signs } = await countingSigner(clock)
    const cache = createPartnerTokenCache({ signer, now: () => clock.now })
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => cache.tokenFor('burst@example.com')),
    )
    expect(new Set(tokens).size).toBe(1)
    expect(signs()).toBe(1)
  })

  it('stays within maxEntries, dropping the least recently used', async () => {
    const clock = { now: Date.now() }
    const { signer, signs } = await countingSigner(clock)
    const cache = createPartnerTokenCache({ signer, maxEntries: 2, now: () => clock.now })
    await cache.tokenFor('a@example.com')
    await cache.tokenFor('b@example.com')
    await cache.tokenFor('a@example.com') // a is now the most recent
    await cache.tokenFor('c@example.com') // evicts b
    expect(cache.size).toBe(2)
    expect(signs()).toBe(3)
    await cache.tokenFor('a@example.com')
    expect(signs()).toBe(3)
    await cache.tokenFor('b@example.com')
    expect(signs()).toBe(4)
  })

  it('does not cache a failed signature', async () => {
    let fail = true
    const cache = createPartnerTokenCache({
      signer: {
        ttlSeconds: 300,
        sign: async (email) => {
          if (fail) throw new Error('signing backend down')
          return { token: `t-${email}`, expiresAtMs: Date.now() + 300_000 }
        },
      },
    })
    await expect(cache.tokenFor('a@example.com')).rejects.toThrow('signing backend down')
    fail = false
    expect(await cache.tokenFor('a@example.com')).toBe('t-a@example.com')
  })

  it('after clear() (the key was reloaded) never hands out a token signed with the old key', async () => {
    // Each token names the key it was signed with; a signature completes when the test says so.
    let signingKey = 'old'
    const unfinished = new Map<string, () => void>()
    const cache = createPartnerTokenCache({
      signer: {
        ttlSeconds: 300,
        sign: (email) => {
          const token = `${signingKey}:${email}`
          return new Promise((resolve) => {
            unfinished.set(token, () => resolve({ token, expiresAtMs: Date.now() + 300_000 }))
          })
        },
      },
    })
    const finish = (token: string) => unfinished.get(token)!()

    const cachedOld = cache.tokenFor('a@example.com')
    finish('old:a@example.com')
    expect(await cachedOld).toBe('old:a@example.com')
    const inFlightOld = cache.tokenFor('b@example.com')

    signingKey = 'new'
    cache.clear()
    const a = cache.tokenFor('a@example.com')
    finish('new:a@example.com')
    expect(await a).toBe('new:a@example.com')
    const b = cache.tokenFor('b@example.com')
    finish('new:b@example.com')
    expect(await b).toBe('new:b@example.com')
    // The signature started before clear() completes last; its caller gets it, the cache does not.
    finish('old:b@example.com')
    expect(await inFlightOld).toBe('old:b@example.com')
    expect(await cache.tokenFor('b@example.com')).toBe('new:b@example.com')
  })

  it('a signature from before clear() that finishes late leaves the new one shared', async () => {
    let signingKey = 'old'
    // Every signature under way, by the token it will return; finish() completes them all.
    const unfinished = new Map<string, (() => void)[]>()
    const finish = (token: string) => unfinished.get(token)?.forEach((complete) => complete())
    let signs = 0
    const cache = createPartnerTokenCache({
      signer: {
        ttlSeconds: 300,
        sign: (email) => {
          signs += 1
          const token = `${signingKey}:${email}`
          return new Promise((resolve) => {
            const complete = () => resolve({ token, expiresAtMs: Date.now() + 300_000 })
            unfinished.set(token, [...(unfinished.get(token) ?? []), complete])
          })
        },
      },
    })
    const old = cache.tokenFor('a@example.com')
    signingKey = 'new'
    cache.clear()
    const first = cache.tokenFor('a@example.com')
    finish('old:a@example.com')
    await old
    // The new key's signature is still under way: a caller now shares it instead of signing again.
    const second = cache.tokenFor('a@example.com')
    finish('new:a@example.com')
    expect(await Promise.all([first, second])).toEqual(['new:a@example.com', 'new:a@example.com'])
    expect(signs).toBe(2)
  })

  it('refuses a refresh margin that would re-sign every call', async () => {
    const { signer } = await countingSigner({ now: Date.now() })
    expect(() => createPartnerTokenCache({ signer, refreshBeforeExpiryMs: 300_000 })).toThrow(
      /below the token lifetime/,
    )
  })
})
