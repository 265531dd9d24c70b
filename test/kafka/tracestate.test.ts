import { describe, expect, it } from 'vitest'
import { MAX_TRACESTATE_LENGTH, parseTracestate } from '../../src/kafka/tracestate.js'

describe('parseTracestate', () => {
  it('passes a valid list on unchanged, blanks and empty members included', () => {
    for (const value of [
      'congo=t61rcWkgMzE',
      'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
      'rojo=00f067aa0ba902b7 ,\tcongo=t61rcWkgMzE',
      'a=1,,b=2',
      'tenant1@vendor=x y!',
      '0tenant@sys_-*/=v',
      'k_-*/9=~',
    ]) {
      expect(parseTracestate(value), value).toBe(value)
    }
  })

  it('drops what the spec does not allow, whole', () => {
    for (const value of [
      '',
      ' , ',
      'novalue',
      'key=',
      'Upper=1',
      '1key=1',
      'k=v=w',
      'k=caf\u00e9',
      'k=a\tb',
      'a=1,a=2',
      '@sys=1',
      'tenant@=1',
      'tenant@Sys=1',
      'tenant@sys@x=1',
      `tenant@${'s'.repeat(15)}=1`,
      `${'t'.repeat(242)}@s=1`,
      `${'k'.repeat(257)}=1`,
      `k=${'v'.repeat(257)}`,
    ]) {
      expect(parseTracestate(value), value).toBeNull()
    }
    expect(parseTracestate(null)).toBeNull()
    expect(parseTracestate(undefined)).toBeNull()
  })

  it('keeps 32 list members and drops 33; drops a value past the length bound', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(',')
    expect(parseTracestate(members(32))).toBe(members(32))
    expect(parseTracestate(members(33))).toBeNull()
    const longest = `k=${'v'.repeat(256)},l=${'v'.repeat(MAX_TRACESTATE_LENGTH - 261)}`
    expect(longest).toHaveLength(MAX_TRACESTATE_LENGTH)
    expect(parseTracestate(longest)).toBe(longest)
    expect(parseTracestate(`${longest}x`)).toBeNull()
  })
})
