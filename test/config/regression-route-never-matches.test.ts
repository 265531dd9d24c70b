import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load-config.js'
import { configErrorOf } from '../support/config-error.js'
import { minimalConfig } from '../support/minimal-config.js'

/**
 * Was: a route listed after one that reads the same topic with no filter was accepted, and never
 * issued anything: the first route whose topics and filter match an event takes it. Such a route
 * is refused now, naming both routes and the fix.
 */
const program = { issuerDid: 'did:air:x', credentialId: 'c1' }
const route = (name: string, topics: string[], filter?: string) => ({
  name,
  topics,
  program,
  credentialSubject: { level: 'level' },
  ...(filter === undefined ? {} : { filter }),
})

describe('a route that can never match', () => {
  it('is refused when an earlier route reads its topic with no filter', () => {
    const message = configErrorOf({
      ...minimalConfig,
      routes: [
        route('all-kyc', ['kyc.completed']),
        route('gold', ['kyc.completed', 'gold.joined']),
      ],
    })
    expect(message).toContain(
      '- routes[1].topics[0]: route "gold" never sees kyc.completed: routes[0] ("all-kyc") reads it with no filter, and the first route that matches an event takes it. Give "all-kyc" a filter, or move "gold" before it',
    )
    expect(message).not.toContain('gold.joined')
  })

  it('is accepted when the earlier route has a filter, or reads other topics', () => {
    for (const routes of [
      [route('basic', ['kyc.completed'], 'level = 1'), route('rest', ['kyc.completed'])],
      [route('kyc', ['kyc.completed']), route('loyalty', ['member.joined'])],
    ]) {
      expect(
        parseConfig({ ...minimalConfig, routes }, { env: {}, configPath: 'relay.yaml' }).config
          .routes,
      ).toHaveLength(2)
    }
  })

  it('a topic listed twice in one route is refused, naming the second', () => {
    expect(
      configErrorOf({
        ...minimalConfig,
        routes: [route('kyc', ['kyc.completed', 'member.joined', 'kyc.completed'])],
      }),
    ).toContain('- routes[0].topics[2]: kyc.completed is listed twice: list each topic once')
  })
})
