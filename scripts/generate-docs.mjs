// Rewrites the generated parts of README.md and docs/errors.md from the code (run `npm run docs`).
// A test (test/docs/generated-docs.test.ts) fails when they are out of step.
import { readFile, writeFile } from 'node:fs/promises'
import { renderConfigReference } from '../dist/src/config/render-config-reference.js'
import { renderErrorTable } from '../dist/src/errors/render-error-table.js'

async function replaceBlock(path, name, content) {
  const text = await readFile(path, 'utf8')
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`${path} has no ${start} … ${end} block`)
  await writeFile(path, `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`)
  console.log(`updated ${name} in ${path}`)
}

await replaceBlock('README.md', 'config-reference', renderConfigReference())
await replaceBlock('README.md', 'error-table', renderErrorTable())
await replaceBlock('docs/errors.md', 'error-table', renderErrorTable())
