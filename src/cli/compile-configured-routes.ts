import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { LoadedConfig } from '../config/load-config.js'
import { compileRoutes, RouteCompileError, type SubjectBuilder } from '../domain/compile-routes.js'
import { RelayError } from '../errors/relay-error.js'

/**
 * Loads `credentialSubjectModule` files (ES modules, default export) and compiles the routes: what
 * start-up does with them, and what `moca-relay check` checks. Failures are CONFIG_INVALID.
 */
export async function compileConfiguredRoutes(loaded: LoadedConfig) {
  const modules = new Map<string, SubjectBuilder>()
  for (const route of loaded.config.routes) {
    if (route.credentialSubjectModule === undefined) continue
    const path = resolve(loaded.baseDir, route.credentialSubjectModule)
    let loadedModule: { default?: unknown }
    try {
      loadedModule = (await import(pathToFileURL(path).href)) as { default?: unknown }
    } catch (err) {
      throw new RelayError(
        'CONFIG_INVALID',
        `route "${route.name}": cannot load credentialSubjectModule ${path}: ${(err as Error).message}`,
        {
          classification: 'systemic',
          cause: err,
        },
      )
    }
    if (typeof loadedModule.default !== 'function') {
      throw new RelayError(
        'CONFIG_INVALID',
        `route "${route.name}": ${path} must export a default function (data, event) => credentialSubject`,
        {
          classification: 'systemic',
        },
      )
    }
    modules.set(route.name, loadedModule.default as SubjectBuilder)
  }
  try {
    return compileRoutes(loaded.config.routes, modules)
  } catch (err) {
    if (err instanceof RouteCompileError) {
      throw new RelayError(
        'CONFIG_INVALID',
        `invalid configuration in ${loaded.configPath}:\n  - ${err.message}`,
        { classification: 'systemic', cause: err },
      )
    }
    throw err
  }
}
