import type { RelayProcess } from '../support/relay-process.js'
import { GiveUpWaiting, sleep, WaitTimeoutError } from '../support/wait-until.js'

/**
 * Keeps a set of relay processes running, as an orchestrator would: a relay the chaos suite kills
 * is started again when the scenario says so, and a relay that exits by itself (it lost its
 * broker, say) is restarted after a short pause and reported. Stopping ends each relay with
 * SIGTERM; one that is still there after the grace period is a hang, killed and reported.
 */
export interface RelaySupervisor {
  /** Starts a relay in a new slot. */
  start(slot: string): Promise<RelayProcess>
  /** SIGKILL the slot's relay; with `restart`, start a new one in its place. */
  kill(slot: string, options: { readonly restart: boolean }): Promise<void>
  /** The slot's running relay, if any. */
  current(slot: string): RelayProcess | undefined
  /** Resolves once the slot's relay is ready, through the restarts of a relay that exits. */
  waitReady(slot: string, timeoutMs: number): Promise<void>
  /** SIGTERM every relay; a relay still running after `graceMs` is a hang (then SIGKILLed). */
  stopAll(graceMs: number): Promise<void>
  readonly tally: SupervisorTally
}

export interface SupervisorTally {
  kills: number
  restarts: number
  /** Relays that exited by themselves, with their exit code or signal. */
  readonly crashes: string[]
  /** Relays that did not exit within the grace period after SIGTERM. */
  readonly hangs: string[]
}

export interface RelaySupervisorDeps {
  /** Starts `moca-relay run` under this name (log and config files are named after it). */
  readonly startRelay: (name: string) => Promise<RelayProcess>
  readonly log: (line: string) => void
}

/** A relay that exits by itself is started again after this pause (no hot restart loop). */
const RESTART_PAUSE_MS = 1_000

export function createRelaySupervisor(deps: RelaySupervisorDeps): RelaySupervisor {
  const slots = new Map<string, { relay: RelayProcess | undefined; starts: number }>()
  const expectedExits = new Set<RelayProcess>()
  const tally: SupervisorTally = { kills: 0, restarts: 0, crashes: [], hangs: [] }
  let stopping = false

  async function launch(slot: string): Promise<RelayProcess> {
    const state = slots.get(slot) ?? { relay: undefined, starts: 0 }
    slots.set(slot, state)
    state.starts += 1
    const relay = await deps.startRelay(`${slot}-${state.starts}`)
    if (stopping) {
      // a restart that raced stopAll: it was not in stopAll's list, so it is stopped here
      expectedExits.add(relay)
      await relay.process.stop(RESTART_PAUSE_MS)
      return relay
    }
    state.relay = relay
    void relay.process.exited.then((code) => {
      if (state.relay === relay) state.relay = undefined
      if (expectedExits.has(relay) || stopping) return
      tally.crashes.push(`${relay.process.name} exited ${String(code)}`)
      deps.log(`${relay.process.name} exited by itself (${String(code)}); restarting it`)
      setTimeout(() => {
        if (stopping || state.relay !== undefined) return
        tally.restarts += 1
        launch(slot).catch((err: unknown) =>
          deps.log(`could not restart ${slot}: ${(err as Error).message}`),
        )
      }, RESTART_PAUSE_MS)
    })
    return relay
  }

  return {
    tally,
    start: launch,
    current: (slot) => slots.get(slot)?.relay,
    async waitReady(slot, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const relay = slots.get(slot)?.relay
        try {
          if (relay !== undefined) return void (await relay.waitReady(deadline - Date.now()))
        } catch (err) {
          if (!(err instanceof GiveUpWaiting)) throw err
        }
        await sleep(RESTART_PAUSE_MS / 4)
      }
      throw new WaitTimeoutError(`relay ${slot} was not ready within ${timeoutMs} ms`)
    },
    async kill(slot, options) {
      const relay = slots.get(slot)?.relay
      if (relay === undefined) return
      expectedExits.add(relay)
      relay.process.child.kill('SIGKILL')
      await relay.process.exited
      tally.kills += 1
      if (options.restart && !stopping) {
        tally.restarts += 1
        await launch(slot)
      }
    },
    async stopAll(graceMs) {
      stopping = true
      const running = [...slots.values()].flatMap((s) => (s.relay ? [s.relay] : []))
      await Promise.all(
        running.map(async (relay) => {
          expectedExits.add(relay)
          const result = await relay.process.stop(graceMs)
          if (result === 'SIGKILL') tally.hangs.push(relay.process.name)
          // 'SIGTERM': the signal ended a relay still starting, before its shutdown handler was set
          else if (result !== 0 && result !== 'SIGTERM') {
            tally.crashes.push(`${relay.process.name} exited ${result} after SIGTERM`)
          }
        }),
      )
    },
  }
}
