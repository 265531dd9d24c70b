import { claimedEmail } from './authenticate-partner.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { KnownVcStatus } from '../domain/moca-api.js'
import { authenticatePartner } from './authenticate-partner.js'
import { answerFault, countAnswer, isBeforeWork } from './fault-responses.js'
import { sendJson, sendMocaError } from './http-io.js'
import { MocaMessages } from './moca-messages.js'
import type { SandboxCore } from './sandbox-core.js'

/**
 * GET /v1/credentials/status?coreClaimHash=…. WAIT_ONCHAIN until `onchainDelayMs` after issuance,
 * then ONCHAIN (never, when `stuck`); "not found" for the first `statusLagMs` (a lagging status
 * index). A hash of another partner is "not found", as is one of another holder when
 * `statusRequiresHolderEmail` is on: neither leaks that the hash exists.
 */
export async function handleStatus(
  core: SandboxCore,
  req: IncomingMessage,
  res: ServerResponse,
  query: string,
): Promise<void> {
  const stats = core.counters.status
  stats.received += 1
  req.resume()
  const decision = core.plan.decide('status', () => claimedEmail(req))
  if (decision.latencyMs > 0) await sleep(decision.latencyMs)
  if (decision.fault !== null && isBeforeWork(decision.fault)) {
    answerFault(req, res, decision.fault, decision.retryAfterSeconds, stats)
    return
  }

  const answer = await decide(core, req, query)
  if (decision.fault !== null) {
    answerFault(req, res, decision.fault, decision.retryAfterSeconds, stats)
    return
  }
  if ('body' in answer) sendJson(res, 200, answer.body)
  else sendMocaError(res, answer.status, answer.message, { reason: answer.reason })
  countAnswer(stats, answer.status)
}

type StatusAnswer =
  | { readonly status: 200; readonly body: Readonly<Record<string, string>> }
  | { readonly status: number; readonly message: string; readonly reason?: string }

async function decide(
  core: SandboxCore,
  req: IncomingMessage,
  query: string,
): Promise<StatusAnswer> {
  const auth = await authenticatePartner(core, req)
  if (!auth.ok) return { status: 401, message: MocaMessages.unauthorized, reason: auth.reason }
  if (!auth.partner.issueOnBehalfEnabled) {
    return {
      status: 403,
      message: MocaMessages.forbidden,
      reason: 'Issue on Behalf is not enabled for this partner',
    }
  }
  const hash = new URLSearchParams(query).get('coreClaimHash')
  if (hash === null || hash === '')
    return { status: 400, message: 'Missing required field: coreClaimHash' }

  const settings = core.settings()
  const credential = core.ledger.find(hash)
  if (
    credential === undefined ||
    credential.partnerId !== auth.token.partnerId ||
    (settings.statusRequiresHolderEmail &&
      credential.email.toLowerCase() !== auth.token.email.toLowerCase()) ||
    core.now() - credential.issuedAtMs < settings.statusLagMs
  ) {
    return { status: 404, message: MocaMessages.hashNotFound }
  }
  const onchain = !settings.stuck && core.now() - credential.issuedAtMs >= settings.onchainDelayMs
  return {
    status: 200,
    body: {
      coreClaimHash: credential.coreClaimHash,
      issuanceDate: credential.issuanceDate,
      issuerDid: credential.issuerDid,
      vcId: credential.vcId,
      vcStatus: onchain ? KnownVcStatus.ONCHAIN : KnownVcStatus.WAIT_ONCHAIN,
    },
  }
}
