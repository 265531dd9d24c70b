import { describe, expect, it } from 'vitest'
import { keysFolder, readKeysFolder, runKeysCommand } from '../support/run-keys-command.js'

/**
 * Was: `moca-relay keys token --ttl abc` read the key and then failed in the signer with "…
 * got NaN", quoting nothing the user typed; and `keys generate --alg HS256` threw CONFIG_INVALID,
 * exit 1, where the other usage errors of keys exit 2. Both are now usage errors: what is wrong,
 * quoting the input, then the usage, exit 2, before any key is read or written. So is an --email
 * the relay would refuse as an event's email (it signed anyway).
 */
describe('moca-relay keys: a bad option value is a usage error', () => {
  it.each([
    [['--ttl', 'abc'], '--ttl must be a whole number of seconds from 1 to 900, got "abc".'],
    [['--ttl', '901'], '--ttl must be a whole number of seconds from 1 to 900, got "901".'],
    [['--alg', 'HS256'], '--alg must be ES256 or RS256, not "HS256".'],
    // was: signed a token for "notanemail", which the relay itself would never sign
    [['--email', 'notanemail'], '--email must be the user\'s email address, got "notanemail".'],
    [['--email', 'a@example'], '--email must be the user\'s email address, got "a@example".'],
  ])('keys token %j', async (options, problem) => {
    const { code, stdout, stderr } = await runKeysCommand([
      ...[
        'token',
        '--partner-id',
        'p',
        '--email',
        'a@example.com',
        '--key',
        '/nonexistent/key.pem',
      ],
      ...options,
    ])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    const [first, usage] = stderr.split('\n\n')
    expect(first).toBe(`moca-relay keys token: ${problem}`)
    expect(usage).toMatch(/^Usage:/)
  })

  it('keys generate --alg HS256: exit 2, nothing written', async () => {
    const out = await keysFolder()
    const { code, stderr } = await runKeysCommand(['generate', '--alg', 'HS256', '--out', out])
    expect(code).toBe(2)
    expect(stderr.split('\n\n')[0]).toBe(
      'moca-relay keys generate: --alg must be ES256 or RS256, not "HS256".',
    )
    expect((await readKeysFolder(out)).files).toEqual([])
  })
})
