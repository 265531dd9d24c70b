import { generatePartnerKey } from '../../src/auth/generate-partner-key.js'
import { createJwksDocument } from '../../src/auth/jwks-document.js'
import type { KafkaEnvironment } from '../support/kafka-environment.js'
import { startStaticJsonServer } from '../static-json-server.js'
import {
  runBrokerScenario,
  runFaultsScenario,
  runGroupScenario,
  runKillScenario,
  type ScenarioOptions,
} from './chaos-scenarios.js'
import type { ChaosContext, ScenarioName, TrialResult } from './chaos-trial.js'

/** A chaos run's shared pieces: a fresh partner key and the JWKS server the sandboxes read. */
export async function openChaosContext(
  base: Omit<ChaosContext, 'key' | 'jwksUrl'>,
): Promise<{ readonly ctx: ChaosContext; close(): Promise<void> }> {
  const key = await generatePartnerKey({ alg: 'ES256' })
  const jwks = await startStaticJsonServer(createJwksDocument([key.publicJwk]))
  return {
    ctx: {
      ...base,
      key: { privateKeyPem: key.privateKeyPem, kid: key.kid },
      jwksUrl: jwks.url,
    },
    close: () => jwks.close(),
  }
}

/** Runs the scenarios in order (kill, group, broker, faults) and returns every trial's result. */
export async function runChaos(
  ctx: ChaosContext,
  kafka: KafkaEnvironment,
  options: ScenarioOptions & { readonly scenarios: readonly ScenarioName[] },
): Promise<TrialResult[]> {
  const runners: Record<ScenarioName, () => Promise<TrialResult[]>> = {
    kill: () => runKillScenario(ctx, kafka, options),
    group: () => runGroupScenario(ctx, kafka, options),
    broker: () => runBrokerScenario(ctx, options),
    faults: () => runFaultsScenario(ctx, kafka, options),
  }
  const results: TrialResult[] = []
  for (const scenario of options.scenarios) {
    ctx.log(`${scenario}…`)
    results.push(...(await runners[scenario]()))
  }
  return results
}
