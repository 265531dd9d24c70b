import { describe, expect, it } from 'vitest'
import { troubleInLog } from './service-log-trouble.js'

const access = (code: number, ms: string): string =>
  `2026-11+00-27 21:14:16 INFO [io.quarkus.vertx.http.runtime.filters.accesslog.JBossLoggingAccessLogReceiver] (executor-thread-5) "apicurio-registry.access method="POST" path="/apis/ccompat/v7/subjects/s/versions" response_code="${code}" response_time="${ms}" remote_ip="127.0.0.1""`

// What the integration stack prints before stopping the registry it started, so that a CI
// failure caused by the registry can be read from the run's output.
describe('the trouble a test run quotes from the schema registry log', () => {
  it('is this start’s errors, 5xx answers and slow requests; not quick answers or an older start', () => {
    const error =
      '2026-11+00-27 21:15:02 ERROR [io.apicurio.registry.storage] (executor-thread-2) Timeout trying to lock table'
    const log = [
      '===== 2026-11-27T20:46:40.423Z java … (an earlier start)',
      '2026-11+00-27 20:50:00 ERROR [io.apicurio] (main) an earlier run’s error',
      access(500, '3'),
      '===== 2026-11-27T21:14:08.000Z java … (this start)',
      '2026-11+00-27 21:14:10 INFO [io.quarkus] (main) started in 7.6s',
      access(200, '16'),
      access(200, '-'),
      access(404, '9'),
      access(503, '12'),
      access(200, '7200'),
      error,
      '',
    ].join('\n')

    expect(troubleInLog(log)).toEqual([access(503, '12'), access(200, '7200'), error])
  })

  it('is nothing for a log without a start header and without trouble', () => {
    expect(troubleInLog([access(200, '16'), access(201, '4999')].join('\n'))).toEqual([])
  })
})
