import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { StatusResponse } from '../../src/domain/moca-api.js'
import type { MocaClient } from '../../src/moca/moca-client.js'
import { PROGRAM, startSandboxFixture, uniqueEmail } from '../support/sandbox-fixture.js'

/** Polls as the docs' own example does, with a deadline so a broken sandbox fails the test. */
async function pollUntilOnchain(
  client: MocaClient,
  email: string,
  coreClaimHash: string,
): Promise<StatusResponse[]> {
  const seen: StatusResponse[] = []
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const status = await client.status({ email, coreClaimHash })
    seen.push(status)
    if (status.vcStatus === 'ONCHAIN') return seen
    await sleep(50)
  }
  throw new Error(`still ${seen.at(-1)?.vcStatus} at the deadline`)
}

describe('issue, then poll status until ONCHAIN (the docs flow)', () => {
  it('issues a credential whose status moves from WAIT_ONCHAIN to ONCHAIN', async () => {
    const f = await startSandboxFixture({ settings: { onchainDelayMs: 300 } })
    const client = f.client()
    const email = uniqueEmail()

    const issued = await client.issue(f.issueCall({ email }))
    expect(issued.credentialId).toBe(PROGRAM.credentialId)
    expect(issued.coreClaimHash).toMatch(/^[0-9a-f]{64}$/)
    expect(issued.userUuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )

    const seen = await pollUntilOnchain(client, email, issued.coreClaimHash)
    expect(seen[0]?.vcStatus).toBe('WAIT_ONCHAIN')
    const last = seen.at(-1)!
    expect(last).toMatchObject({
      coreClaimHash: issued.coreClaimHash,
      issuerDid: PROGRAM.issuerDid,
      vcStatus: 'ONCHAIN',
    })
    expect(last.vcId).toMatch(/^c[0-9a-z]{21}$/)
    expect(last.issuanceDate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  })

  it('never reaches ONCHAIN when the chain is stuck', async () => {
    const f = await startSandboxFixture({ settings: { onchainDelayMs: 0, stuck: true } })
    const client = f.client()
    const email = uniqueEmail()
    const issued = await client.issue(f.issueCall({ email }))
    await sleep(20)
    expect((await client.status({ email, coreClaimHash: issued.coreClaimHash })).vcStatus).toBe(
      'WAIT_ONCHAIN',
    )
    f.sandbox.updateSettings({ stuck: false })
    expect((await client.status({ email, coreClaimHash: issued.coreClaimHash })).vcStatus).toBe(
      'ONCHAIN',
    )
  })

  it('gives the same user the same userUuid on every issuance', async () => {
    const f = await startSandboxFixture()
    const client = f.client()
    const email = uniqueEmail()
    const first = await client.issue(f.issueCall({ email }))
    const second = await client.issue(f.issueCall({ email }))
    expect(second.userUuid).toBe(first.userUuid)
    expect(second.coreClaimHash).not.toBe(first.coreClaimHash)
  })
})
