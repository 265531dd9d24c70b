import { describe, expect, it } from 'vitest'
import { parseTraceparent } from '../../src/kafka/traceparent.js'

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

describe('parseTraceparent', () => {
  it('passes a valid version-00 value through unchanged', () => {
    expect(parseTraceparent(VALID)).toBe(VALID)
  })

  it('keeps the first four fields of a later version and drops what follows', () => {
    expect(parseTraceparent(`cc${VALID.slice(2)}-future-field`)).toBe(`cc${VALID.slice(2)}`)
  })

  it.each([
    ['absent', null],
    ['empty', ''],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', `ff${VALID.slice(2)}`],
    ['uppercase hex', VALID.toUpperCase()],
    ['version 00 with extra fields', `${VALID}-extra`],
    ['later version glued to more text', `cc${VALID.slice(2)}x`],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['wrong separators', VALID.replaceAll('-', '_')],
    ['huge value', `cc${VALID.slice(2)}-${'a'.repeat(10_000)}`],
  ])('drops %s', (_label, value) => {
    expect(parseTraceparent(value)).toBeNull()
  })
})
