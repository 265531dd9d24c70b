import { describe, expect, it } from 'vitest'
import { summarizeMavenFailure } from '../../src/stack/maven-artifacts.js'

describe('summarizeMavenFailure', () => {
  it('quotes the cause, not the advice Maven always prints after it', () => {
    // captured from `mvn -B -q … copy-dependencies` with Maven Central unreachable
    const output = [
      '\u001b[0m\u001b[0m[ERROR] Plugin org.apache.maven.plugins:maven-dependency-plugin:3.8.1 or one of its dependencies could not be resolved: Connect to 127.0.0.1:9 failed: Connection refused',
      '[ERROR] ',
      '[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.',
      '[ERROR] Re-run Maven using the -X switch to enable full debug logging.',
      '[ERROR] ',
      '[ERROR] For more information about the errors and possible solutions, please read the following articles:',
      '[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/PluginResolutionException',
      '\u001b[0m\u001b[0m',
    ].join('\n')
    expect(summarizeMavenFailure(output)).toBe(
      'Plugin org.apache.maven.plugins:maven-dependency-plugin:3.8.1 or one of its dependencies could not be resolved: Connect to 127.0.0.1:9 failed: Connection refused',
    )
  })

  it('falls back to the last lines when there is no [ERROR] line', () => {
    expect(summarizeMavenFailure('a\nb\nError occurred during initialization of VM\n')).toBe(
      'a | b | Error occurred during initialization of VM',
    )
  })
})
