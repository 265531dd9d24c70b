import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import { RelayError } from '../errors/relay-error.js'
import {
  findOwnedProcess,
  isRunning,
  launchProcess,
  linesSinceLatestStart,
  ownershipMarker,
  removePidRecord,
  stopProcess,
  writePidRecord,
} from './owned-process.js'
import { pollUntil } from './poll-until.js'
import { BAD_HOST_CODES, canListen, formatHostPort, type HostPort } from './port-probe.js'

/**
 * The life cycle every local service shares: find out what holds its port, start it, wait
 * until it answers, stop exactly what we started. kafka-broker.ts and apicurio-registry.ts only
 * say how to probe, prepare and launch their service.
 */

/** How often a starting service is probed. */
const READY_POLL_MS = 250
/** How much of a log file's end a start failure quotes from. */
const LOG_TAIL_BYTES = 8 * 1024

export const ServiceState = {
  /** Started by this stack (pid file + marker), answering. */
  running: 'running',
  /** Started by this stack, process alive, not answering (starting, or stuck). */
  unresponsive: 'unresponsive',
  /** The service answers on its port, but we did not start it: used, never stopped. */
  reused: 'reused',
  /** Nothing listens on the port. */
  stopped: 'stopped',
  /** Another kind of program holds the port. */
  busy: 'busy',
} as const
export type ServiceState = (typeof ServiceState)[keyof typeof ServiceState]

export const ServiceName = { kafka: 'kafka', registry: 'registry' } as const
export type ServiceName = (typeof ServiceName)[keyof typeof ServiceName]

export interface ServiceStatus {
  readonly service: ServiceName
  readonly displayName: string
  readonly state: ServiceState
  /** What clients use: "127.0.0.1:9092", "http://127.0.0.1:8081/apis/ccompat/v7". */
  readonly address: string
  readonly pid?: number
  readonly logFile?: string
  /** Why a port is busy or a service unresponsive. */
  readonly detail?: string
}

export type ProbeAnswer =
  | { readonly kind: 'ready' }
  | { readonly kind: 'closed' }
  | { readonly kind: 'other'; readonly detail: string }

export interface ServicePort extends HostPort {
  /** For messages: "Kafka clients", "KRaft controller". */
  readonly purpose: string
  /** The env variable that moves this port, for messages. */
  readonly setting: string
}

export interface LaunchCommand {
  /** A JVM: the ownership marker is passed as its first option. */
  readonly java: string
  readonly args: readonly string[]
}

export interface ServiceDefinition {
  readonly name: ServiceName
  readonly displayName: string
  readonly address: string
  /** Pid file, log file and data of this service on this port. */
  readonly instanceDir: string
  /** Every port the service binds, checked before launch; the first is the one clients use. */
  readonly ports: readonly ServicePort[]
  /** The env variable that points clients at a service of the user's own, for messages. */
  readonly externalSetting: string
  probe(): Promise<ProbeAnswer>
  /** Fails fast (missing Java) before anything is downloaded or started. */
  checkRequirements(): Promise<void>
  /** Downloads, writes config, formats storage; returns the command to launch. */
  prepare(): Promise<LaunchCommand>
  /** Removes what must not outlive a stop (the broker's data). */
  cleanUp(): Promise<void>
}

export interface ManagedServiceDeps {
  readonly definition: ServiceDefinition
  readonly startTimeoutMs: number
  readonly stopGracefulMs: number
  /** See LaunchOptions.detached. */
  readonly detached: boolean
}

export type StopOutcome = 'stopped' | 'not-ours' | 'not-running'

export interface ManagedService {
  readonly name: ServiceName
  readonly displayName: string
  readonly address: string
  readonly logFile: string
  status(): Promise<ServiceStatus>
  checkRequirements(): Promise<void>
  /** Fails with STACK_PORT_BUSY when a port the service binds is taken (e.g. the controller's). */
  checkPorts(): Promise<void>
  /** Prepares, launches and waits until ready; a launch that fails is stopped again. */
  start(): Promise<ServiceStatus>
  /** Waits for a service of ours that runs but does not answer yet (a concurrent start). */
  waitUntilReady(pid: number): Promise<ServiceStatus>
  stop(): Promise<StopOutcome>
  /** The STACK_PORT_BUSY error for a busy status, worded for this service. */
  portBusyError(status: ServiceStatus): RelayError
}

export function createManagedService(deps: ManagedServiceDeps): ManagedService {
  const def = deps.definition
  const pidFile = join(def.instanceDir, `${def.name}.pid`)
  const logFile = join(def.instanceDir, `${def.name}.log`)
  const marker = ownershipMarker(def.instanceDir)
  const base = { service: def.name, displayName: def.displayName, address: def.address }

  async function status(): Promise<ServiceStatus> {
    const [owned, answer] = await Promise.all([findOwnedProcess(pidFile), def.probe()])
    if (owned !== undefined) {
      return answer.kind === 'ready'
        ? { ...base, state: 'running', pid: owned.pid, logFile }
        : {
            ...base,
            state: 'unresponsive',
            pid: owned.pid,
            logFile,
            detail: answer.kind === 'other' ? answer.detail : 'not answering yet',
          }
    }
    switch (answer.kind) {
      case 'ready':
        return { ...base, state: 'reused' }
      case 'closed':
        return { ...base, state: 'stopped' }
      case 'other':
        return { ...base, state: 'busy', detail: answer.detail }
    }
  }

  async function waitUntilReady(pid: number): Promise<ServiceStatus> {
    const ready = await pollUntil(
      { intervalMs: READY_POLL_MS, timeoutMs: deps.startTimeoutMs },
      async () => {
        if (!(await isRunning(pid))) {
          throw new RelayError(
            'STACK_START_FAILED',
            `${def.displayName} exited while starting${await quoteLog(logFile)}. Fix: read ${logFile}.`,
            { classification: 'systemic' },
          )
        }
        return (await def.probe()).kind === 'ready' ? true : undefined
      },
    )
    if (ready === undefined) {
      throw new RelayError(
        'STACK_START_TIMEOUT',
        `${def.displayName} did not answer on ${def.address} within ${Math.round(deps.startTimeoutMs / 1000)} s. Fix: read ${logFile} (STACK_START_TIMEOUT_MS gives it longer).`,
        { classification: 'retryable' },
      )
    }
    return { ...base, state: 'running', pid, logFile }
  }

  async function checkPorts(): Promise<void> {
    for (const port of def.ports) {
      const check = await canListen(port)
      if (!check.ok) throw cannotListenError(def.displayName, port, check.code)
    }
  }

  async function start(): Promise<ServiceStatus> {
    await checkPorts()
    await mkdir(def.instanceDir, { recursive: true })
    const command = await def.prepare()
    const pid = await launchProcess({
      command: command.java,
      args: [marker, ...command.args],
      cwd: def.instanceDir,
      logFile,
      detached: deps.detached,
    })
    await writePidRecord(pidFile, { pid, marker, startedAt: new Date().toISOString(), logFile })
    try {
      return await waitUntilReady(pid)
    } catch (err) {
      // a half-started JVM must not linger and hold the port for the next attempt
      await stopProcess({ pid, marker, gracefulMs: 5_000 }).catch(() => undefined)
      await removePidRecord(pidFile)
      throw err
    }
  }

  async function stop(): Promise<StopOutcome> {
    const owned = await findOwnedProcess(pidFile)
    if (owned !== undefined) {
      // The marker the process carries, from its pid file, not the one of the current folder:
      // the two differ once the project folder is moved or reached through a symlink.
      const result = await stopProcess({
        pid: owned.pid,
        marker: owned.marker,
        gracefulMs: deps.stopGracefulMs,
      })
      if (result !== 'gone') {
        await removePidRecord(pidFile)
        await def.cleanUp()
        return 'stopped'
      }
      // Nothing was signalled: it exited between the two looks, so it is not 'stopped'. The pid
      // file goes only once it finds no process; if it finds one now (a concurrent `up` wrote
      // it), that one is stopped in turn.
      if ((await findOwnedProcess(pidFile)) !== undefined) return stop()
    }
    await removePidRecord(pidFile)
    const answer = await def.probe()
    if (answer.kind === 'ready') return 'not-ours'
    await def.cleanUp()
    return 'not-running'
  }

  function portBusyError(busy: ServiceStatus): RelayError {
    const main = def.ports[0]
    const where = main === undefined ? def.address : formatHostPort(main)
    const move = main === undefined ? '' : `, set ${main.setting} to a free port`
    return new RelayError(
      'STACK_PORT_BUSY',
      `port ${where} is taken by a program that is not a ${def.displayName} (it ${busy.detail ?? 'does not answer'}). Fix: stop that program${move}, or set ${def.externalSetting} to a ${def.displayName} of your own.`,
      { classification: 'systemic' },
    )
  }

  return {
    name: def.name,
    displayName: def.displayName,
    address: def.address,
    logFile,
    status,
    checkRequirements: () => def.checkRequirements(),
    checkPorts,
    start,
    waitUntilReady,
    stop,
    portBusyError,
  }
}

/**
 * Why a service cannot bind a port, worded for what the operator must change: the host
 * (STACK_HOST) when it is not this machine's, the port when another program holds it.
 */
function cannotListenError(displayName: string, port: ServicePort, code: string): RelayError {
  const where = `${displayName} cannot listen on ${formatHostPort(port)} (${port.purpose})`
  if (code === 'EADDRINUSE') {
    return new RelayError(
      'STACK_PORT_BUSY',
      `${where}: another program holds it. Fix: stop that program or set ${port.setting} to a free port.`,
      { classification: 'systemic' },
    )
  }
  if (BAD_HOST_CODES.has(code)) {
    const why =
      code === 'EADDRNOTAVAIL'
        ? `${port.host} is not an address of this machine`
        : `the host name ${port.host} does not resolve (${code})`
    return new RelayError(
      'CONFIG_INVALID',
      `${where}: ${why}. Fix: set STACK_HOST (--host) to an address of this machine, such as 127.0.0.1.`,
      // EAI_AGAIN is a DNS server that did not answer this time
      { classification: code === 'EAI_AGAIN' ? 'retryable' : 'terminal' },
    )
  }
  return new RelayError(
    'STACK_START_FAILED',
    `${where}: ${code}. Fix: set ${port.setting} to another port or STACK_HOST (--host) to another address.`,
    { classification: 'systemic' },
  )
}

/** The most telling line of the last run's log: the last error, else the last line. */
async function quoteLog(logFile: string): Promise<string> {
  let text: string
  try {
    const handle = await open(logFile, 'r')
    try {
      const { size } = await handle.stat()
      const length = Math.min(size, LOG_TAIL_BYTES)
      const buffer = Buffer.alloc(length)
      await handle.read(buffer, 0, length, size - length)
      text = buffer.toString('utf8')
    } finally {
      await handle.close()
    }
  } catch {
    return ''
  }
  const lines = linesSinceLatestStart(text)
  const telling =
    [...lines].reverse().find((line) => /ERROR|Exception|Error:/.test(line)) ?? lines.at(-1)
  if (telling === undefined) return ''
  return `: "${telling.length > 240 ? `${telling.slice(0, 240)}…` : telling}"`
}
