import { Agent } from 'undici'
import { z } from 'zod'
import { RelayError } from '../errors/relay-error.js'
import type { Logger } from '../ops/logger.js'
import { createCallLog, type CallLog } from './call-log.js'
import { createFaultPlan, type FaultPlan } from './fault-plan.js'
import { createPartnerTokenVerifier, type PartnerTokenVerifier } from './partner-token-verifier.js'
import { createRemoteJwks, type RemoteJwks } from './remote-jwks.js'
import {
  consentPartnerProblem,
  SandboxSettings,
  SandboxSettingsPatch,
  type SandboxConfig,
  type SandboxPartner,
  type SandboxProgram,
} from './sandbox-config.js'
import { SandboxFaults, type SandboxFaultsInput } from './sandbox-faults.js'
import { createSandboxLedger, type SandboxLedger } from './sandbox-ledger.js'
import { emptyStats, type SandboxStats } from './sandbox-stats.js'
import { createSeededRandom } from './seeded-random.js'
import { createSubjectValidatorFactory, type SubjectValidator } from './subject-validator.js'

export interface ProgramState {
  readonly program: SandboxProgram
  readonly schemaOwnerDid: string
  readonly validateSubject: SubjectValidator
}

export interface PartnerState {
  readonly partner: SandboxPartner
  issueOnBehalfEnabled: boolean
  readonly jwks: RemoteJwks
}

/** The scriptable side of the sandbox: the embedded handle and `/_sandbox/*` both call these. */
export interface SandboxControl {
  settings(): SandboxSettings
  updateSettings(patch: SandboxSettingsPatch): SandboxSettings
  faults(): SandboxFaults
  setFaults(faults: SandboxFaultsInput): SandboxFaults
  /**
   * Whether a user rejected credentials from one partner (409 to that partner's issues only).
   * @param partnerId the partner refused; may be left out only when the sandbox has one partner
   */
  setConsentRejected(email: string, rejected: boolean, partnerId?: string): void
  setFeatureEnabled(partnerId: string, enabled: boolean): void
  /** Back to the config as loaded: state, calls, counters, caches, faults and settings. */
  reset(): void
  stats(): SandboxStats
  readonly calls: CallLog
}

export interface SandboxCore extends SandboxControl {
  readonly logger: Logger
  readonly now: () => number
  readonly ledger: SandboxLedger
  readonly plan: FaultPlan
  readonly verifier: PartnerTokenVerifier
  readonly counters: SandboxStats
  readonly programs: ReadonlyMap<string, ProgramState>
  readonly partners: ReadonlyMap<string, PartnerState>
  readonly issuerDids: ReadonlySet<string>
  close(): Promise<void>
}

export function createSandboxCore(deps: {
  readonly config: SandboxConfig
  readonly logger: Logger
  readonly now?: () => number
}): SandboxCore {
  const { config, logger } = deps
  const now = deps.now ?? Date.now
  // Own Agent for JWKS fetches, so closing the sandbox closes its sockets too.
  const jwksDispatcher = new Agent({ keepAliveTimeout: 1_000, connections: 4 })
  let counters = emptyStats()
  let settings: SandboxSettings = config.settings

  const compileSchema = createSubjectValidatorFactory()
  const programs = new Map<string, ProgramState>(
    config.programs.map((program) => [
      program.credentialId,
      {
        program,
        schemaOwnerDid: program.schemaOwnerDid ?? program.issuerDid,
        validateSubject: compileSchema(program.credentialId, program.credentialSubjectSchema),
      },
    ]),
  )
  const partners = new Map<string, PartnerState>(
    config.partners.map((partner) => [
      partner.partnerId,
      {
        partner,
        issueOnBehalfEnabled: partner.issueOnBehalfEnabled,
        jwks: createRemoteJwks({
          url: partner.jwksUrl,
          ...config.jwks,
          dispatcher: jwksDispatcher,
          logger,
          now,
          onFetch: (ok) => {
            counters.jwks.fetches += 1
            if (!ok) counters.jwks.failures += 1
          },
        }),
      },
    ]),
  )
  const partnerIds: ReadonlySet<string> = new Set(partners.keys())
  const ledger = createSandboxLedger({ now })
  const calls = createCallLog({ limit: config.callLogLimit })
  const plan = createFaultPlan({
    faults: config.faults,
    random: createSeededRandom(config.seed),
    now,
  })
  const verifier = createPartnerTokenVerifier({
    jwksFor: (partnerId) => partners.get(partnerId)?.jwks,
    settings: () => settings,
    maxCached: config.verifiedTokenCacheMax,
    now,
    onVerified: () => {
      counters.auth.verified += 1
    },
  })

  function setConsentRejected(email: string, rejected: boolean, partnerId?: string): void {
    const problem = consentPartnerProblem(partnerId, partnerIds)
    if (problem !== null) {
      throw new RelayError('CONFIG_INVALID', `Invalid sandbox consent: ${problem}.`, {
        classification: 'terminal',
      })
    }
    ledger.setConsentRejected(email, partnerId ?? config.partners[0]!.partnerId, rejected)
  }
  function seedUsers(): void {
    for (const user of config.users) {
      setConsentRejected(user.email, user.consentRejected, user.partnerId)
    }
  }
  seedUsers()

  return {
    logger,
    now,
    ledger,
    plan,
    verifier,
    calls,
    programs,
    partners,
    issuerDids: new Set(config.programs.map((p) => p.issuerDid)),
    get counters() {
      return counters
    },
    settings: () => settings,
    updateSettings(patch) {
      const parsed = parse(SandboxSettingsPatch, patch, 'settings')
      // zod fills the defaults of absent keys even in a partial schema: keep only what was sent.
      const sent = Object.keys(patch as object)
      const changes = Object.fromEntries(Object.entries(parsed).filter(([k]) => sent.includes(k)))
      settings = Object.freeze(SandboxSettings.parse({ ...settings, ...changes }))
      logger.info({ settings }, 'sandbox settings changed')
      return settings
    },
    faults: () => plan.current(),
    setFaults(input) {
      plan.replace(parse(SandboxFaults, input, 'faults'))
      logger.info({ faults: plan.current() }, 'sandbox faults replaced')
      return plan.current()
    },
    setConsentRejected,
    setFeatureEnabled(partnerId, enabled) {
      const partner = partners.get(partnerId)
      if (partner === undefined) {
        throw new RelayError('CONFIG_INVALID', `No partner "${partnerId}" in the sandbox config.`, {
          classification: 'terminal',
        })
      }
      partner.issueOnBehalfEnabled = enabled
    },
    reset() {
      ledger.clear()
      calls.clear()
      verifier.clear()
      counters = emptyStats()
      settings = config.settings
      plan.replace(config.faults)
      for (const p of partners.values()) {
        p.issueOnBehalfEnabled = p.partner.issueOnBehalfEnabled
        p.jwks.clear()
      }
      seedUsers()
    },
    stats() {
      const snapshot = structuredClone(counters)
      const counts = ledger.counts()
      snapshot.users = counts.users
      snapshot.credentials = { issued: counts.credentials, revoked: counts.revoked }
      snapshot.callLog = {
        total: calls.total,
        retained: calls.retained,
        limit: config.callLogLimit,
      }
      return snapshot
    },
    close() {
      return jwksDispatcher.close()
    },
  }
}

/** Control-API input: validated with the config's own schemas, errors naming the field. */
function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    throw new RelayError(
      'CONFIG_INVALID',
      `Invalid sandbox ${what}:\n${z.prettifyError(parsed.error)}`,
      {
        classification: 'terminal',
      },
    )
  }
  return parsed.data
}
