import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes, type CompiledRoute } from '../../src/domain/compile-routes.js'

export const KYC_ROUTE_PROGRAM = { issuerDid: 'did:air:id:test:issuer', credentialId: 'c-kyc' }

/**
 * The route "kyc" most tests map events through: topic "t", the email from `email`,
 * credentialSubject.level from `level`; `over` replaces any of its fields.
 */
export function kycRoute(over: Record<string, unknown> = {}): CompiledRoute {
  const [route] = compileRoutes([
    RouteConfig.parse({
      name: 'kyc',
      topics: ['t'],
      program: KYC_ROUTE_PROGRAM,
      email: 'email',
      credentialSubject: { level: 'level' },
      ...over,
    }),
  ])
  return route!
}
