import { describe, expect, it } from 'vitest'
import { locateJsonSyntaxError } from '../../src/kafka/json-syntax-error.js'

describe('locateJsonSyntaxError', () => {
  it.each([
    '{}',
    '[]',
    ' {"a":[1,-2.5e+3,true,false,null,{"b":"\\u00e9\\n"}]} ',
    '"text"',
    '0',
    '[[[[]]]]',
  ])('finds nothing wrong in %s', (text) => {
    expect(() => JSON.parse(text)).not.toThrow()
    expect(locateJsonSyntaxError(text)).toBeNull()
  })

  it.each([
    ['{"a":1', 6, /truncated/],
    ['{"a" 1}', 5, /expected ':'/],
    ['{"a":1 "b":2}', 7, /expected ',' or '}'/],
    ['[1 2]', 3, /expected ',' or '\]'/],
    ['{"a":-}', 6, /expected a digit/],
    ['{"a":1.}', 7, /after '\.'/],
    ['{"a":1e}', 7, /exponent/],
    ['{"a":tru}', 5, /expected a JSON value/],
    ["{'a':1}", 1, /property name in double quotes/],
    ['{"a":1}}', 7, /trailing data/],
  ])('locates the error in %s', (text, index, problem) => {
    expect(() => JSON.parse(text)).toThrow()
    const found = locateJsonSyntaxError(text)
    expect(found?.index).toBe(index)
    expect(found?.problem).toMatch(problem)
  })
})
