import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { renderConfigReference } from '../../src/config/render-config-reference.js'
import { renderErrorTable } from '../../src/errors/render-error-table.js'

function block(text: string, name: string): string {
  const start = `<!-- ${name}:start -->\n`
  const from = text.indexOf(start)
  const to = text.indexOf(`\n<!-- ${name}:end -->`)
  if (from < 0 || to < from) return `(no ${name} block)`
  return text.slice(from + start.length, to)
}

describe('generated documentation is in step with the code (run `npm run docs` to update)', () => {
  it('README configuration reference = the zod schema', async () => {
    expect(block(await readFile('README.md', 'utf8'), 'config-reference')).toBe(
      renderConfigReference(),
    )
  })
  it('README troubleshooting table and docs/errors.md = the error catalogue', async () => {
    expect(block(await readFile('README.md', 'utf8'), 'error-table')).toBe(renderErrorTable())
    expect(block(await readFile('docs/errors.md', 'utf8'), 'error-table')).toBe(renderErrorTable())
  })
})
