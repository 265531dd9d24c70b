import { describe, expect, it } from 'vitest'
import { toRegistryError } from '../../src/kafka/schema-registry-errors.js'
import { redactUrlCredentials } from '../../src/ops/redact-url-credentials.js'

describe('redactUrlCredentials', () => {
  it.each([
    ['a user and password', 'https://key:s3cret@host:8081/x', 'https://***@host:8081/x'],
    ['a user only (a token as user)', 'http://t0ken@host', 'http://***@host'],
    ['an unencoded @ in the password', 'http://key:p@ss@host/x', 'http://***@host/x'],
    ['a percent-encoded password', 'http://key:p%40ss@host', 'http://***@host'],
    [
      'a URL inside an error message',
      'could not be reached while looking (get http://k:s3cret@127.0.0.1:1/subjects/a): refused',
      'could not be reached while looking (get http://***@127.0.0.1:1/subjects/a): refused',
    ],
    [
      'every URL in the text',
      'http://a:b@h1 and https://c:d@h2',
      'http://***@h1 and https://***@h2',
    ],
  ])('hides %s', (_, text, expected) => {
    expect(redactUrlCredentials(text)).toBe(expected)
  })

  it.each([
    ['a URL without credentials', 'http://127.0.0.1:8081/apis/ccompat/v7'],
    ['an @ after the host', 'http://host/users/@me?mail=a@b.example'],
    ['an email address beside a URL', 'http://host/x mailed to ops@example.com'],
    ['a double slash in prose', 'see // ops@example.com'],
  ])('leaves %s alone', (_, text) => {
    expect(redactUrlCredentials(text)).toBe(text)
  })
})

describe('toRegistryError with credentials in SCHEMA_REGISTRY_URL', () => {
  it('keeps them out of the message, which reaches logs and credential.failed events', () => {
    // what @kafkajs/confluent-schema-registry throws: the request URL as given, userinfo and all
    const failure = Object.assign(
      new Error('moca-relay - Error, status 400: connect ECONNREFUSED 127.0.0.1:1'),
      { status: 400, url: 'get http://key:S3cret@127.0.0.1:1/subjects/a/versions/latest' },
    )

    const { message } = toRegistryError(failure, 'looking up subject a')

    expect(message).toContain('(get http://***@127.0.0.1:1/subjects/a/versions/latest)')
    expect(message).not.toContain('S3cret')
  })
})
