import { join } from 'node:path'
import { createApicurioRegistry } from './apicurio-registry.js'
import { createKafkaBroker } from './kafka-broker.js'
import type { ManagedService, ServiceName, ServiceStatus, StopOutcome } from './managed-service.js'
import { createMavenArtifacts } from './maven-artifacts.js'
import type { StackReporter } from './stack-reporter.js'
import type { StackSettings } from './stack-settings.js'

/**
 * The local stack: a Kafka broker and Apicurio Registry as plain Java processes, for machines
 * without Docker. `up` reuses whatever already answers, starts the rest in parallel, and rolls
 * back what it started when anything fails; `down` stops only what it started.
 */

export const UpAction = {
  /** Launched by this call. */
  started: 'started',
  /** Ours, from an earlier `up`. */
  alreadyRunning: 'already-running',
  /** Someone else's service on the port; used as is. */
  reused: 'reused',
} as const
export type UpAction = (typeof UpAction)[keyof typeof UpAction]

export interface ServiceUpResult {
  readonly action: UpAction
  readonly status: ServiceStatus
}

export interface LocalStackDeps {
  readonly settings: StackSettings
  readonly report: StackReporter
  /** Detached processes outlive the caller (the CLI); attached ones die with Ctrl-C (tests). */
  readonly detached: boolean
  /** Which services this stack manages. @default ['kafka', 'registry'] */
  readonly services?: readonly ServiceName[]
}

export interface LocalStack {
  readonly services: readonly ManagedService[]
  up(): Promise<ServiceUpResult[]>
  down(): Promise<{ readonly service: ManagedService; readonly outcome: StopOutcome }[]>
  status(): Promise<ServiceStatus[]>
}

export function createLocalStack(deps: LocalStackDeps): LocalStack {
  const { settings } = deps
  const artifacts = createMavenArtifacts({
    infraDir: settings.infraDir,
    downloadsDir: join(settings.stackDir, 'downloads'),
    timeoutMs: settings.downloadTimeoutMs,
    report: deps.report,
  })
  const factories = {
    kafka: () => createKafkaBroker({ settings, artifacts, detached: deps.detached }),
    registry: () => createApicurioRegistry({ settings, artifacts, detached: deps.detached }),
  } satisfies Record<ServiceName, () => ManagedService>
  const services = (deps.services ?? ['kafka', 'registry']).map((name) => factories[name]())

  async function up(): Promise<ServiceUpResult[]> {
    const statuses = await Promise.all(services.map((service) => service.status()))
    const busy = services.flatMap((service, i) =>
      statuses[i]?.state === 'busy' ? [service.portBusyError(statuses[i])] : [],
    )
    if (busy[0] !== undefined) throw busy[0]

    // fail on a busy port or a missing JDK before downloading or starting anything
    const toStart = services.filter((_, i) => statuses[i]?.state === 'stopped')
    for (const service of toStart) await service.checkPorts()
    await Promise.all(toStart.map((service) => service.checkRequirements()))

    const outcomes = await Promise.allSettled(
      services.map(async (service, i): Promise<ServiceUpResult> => {
        const status = statuses[i]
        if (status === undefined) throw new Error('status missing for a service')
        switch (status.state) {
          case 'running':
            return { action: 'already-running', status }
          case 'reused':
            return { action: 'reused', status }
          case 'unresponsive':
            // ours and alive: most likely a concurrent `up` still starting it
            if (status.pid === undefined) throw new Error('unresponsive status without pid')
            return { action: 'already-running', status: await service.waitUntilReady(status.pid) }
          case 'stopped':
            deps.report(`Starting the ${service.displayName} (log ${service.logFile})…`)
            return { action: 'started', status: await service.start() }
          case 'busy':
            throw service.portBusyError(status)
        }
      }),
    )
    const failure = outcomes.find((outcome) => outcome.status === 'rejected')
    if (failure !== undefined) {
      // all or nothing: a half-started stack would be reused by the next `up` without the
      // missing half ever being reported again
      await Promise.all(
        outcomes.map((outcome, i) =>
          outcome.status === 'fulfilled' && outcome.value.action === 'started'
            ? services[i]?.stop().catch(() => undefined)
            : undefined,
        ),
      )
      throw failure.reason
    }
    return outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
  }

  async function down(): Promise<{ service: ManagedService; outcome: StopOutcome }[]> {
    return Promise.all(
      services.map(async (service) => ({ service, outcome: await service.stop() })),
    )
  }

  return {
    services,
    up,
    down,
    status: () => Promise.all(services.map((service) => service.status())),
  }
}
