import { ErrorCodes } from './error-codes.js'

/**
 * The troubleshooting table (README) and docs/errors.md, generated from the error catalogue so
 * that every code the relay can raise or publish is documented (a test keeps them in step).
 */
export function renderErrorTable(): string {
  const rows = Object.entries(ErrorCodes).map(
    ([code, entry]) => `| \`${code}\` | ${escape(entry.meaning)} | ${escape(entry.action)} |`,
  )
  return ['| Code | What it means | What to do |', '|---|---|---|', ...rows].join('\n')
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|')
}
