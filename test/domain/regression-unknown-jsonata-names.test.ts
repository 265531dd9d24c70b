import { describe, expect, it } from 'vitest'
import { RouteConfig } from '../../src/config/relay-config.js'
import { compileRoutes } from '../../src/domain/compile-routes.js'
import { compileExpression } from '../../src/domain/expression.js'

/**
 * Was: JSONata compiles `$uppercse(user.country)` and `$evnt.time` as it compiles any expression,
 * and the relay started. Then every event of the route failed on the first (T1006, "Attempted to
 * invoke a non-function"), and the second read nothing, so the field was left out of every
 * credentialSubject. A name that neither JSONata, the relay ($event) nor the expression itself
 * binds is now refused when the routes are compiled (start-up, and `moca-relay check`).
 */
function routeError(credentialSubject: Record<string, string>): string {
  try {
    compileRoutes([
      RouteConfig.parse({
        name: 'kyc',
        topics: ['kyc.completed'],
        program: { issuerDid: 'did:air:x', credentialId: 'c1' },
        credentialSubject,
      }),
    ])
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('the route compiled')
}

describe('a JSONata name nothing binds', () => {
  it('a misspelt function is refused, naming the field and the function', () => {
    expect(routeError({ country: '$uppercse(user.country)' })).toBe(
      'routes[0].credentialSubject.country (route "kyc"): JSONata expression "$uppercse(user.country)" calls $uppercse, which is not a JSONata function (a misspelling?): see https://docs.jsonata.org/function-library',
    )
  })

  it('a misspelt variable is refused, saying what the relay binds', () => {
    expect(routeError({ at: '$evnt.time' })).toMatch(
      /^routes\[0\]\.credentialSubject\.at \(route "kyc"\): JSONata expression "\$evnt\.time" reads \$evnt, which nothing binds: the relay binds \$event/,
    )
  })

  it.each([
    '$uppercase(user.country)',
    '$event.time & " " & $now()',
    '($x := 1; $x + level)',
    '$map(xs, function($v, $i) { $v & $i })',
    '$map(xs, $string)',
    'orders@$o.items{$o.id: $sum(price)}',
    'items#$i[$i < 2]',
    '$sum(xs) ~> $string()',
    '$$.level + $count($)',
  ])('%s compiles: JSONata, the relay or the expression binds every name', (source) => {
    expect(() => compileExpression(source)).not.toThrow()
  })
})
