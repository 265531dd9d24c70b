import { describe, expect, it } from 'vitest'
import { maskEmail, maskEmailsIn } from '../../src/domain/mask-email.js'

describe('email masking', () => {
  it('keeps the first letter and the domain', () => {
    expect(maskEmail('ada.lovelace@example.com')).toBe('a***@example.com')
    expect(maskEmail('not-an-email')).toBe('***')
  })
  it('masks every address inside free text, leaving the rest', () => {
    expect(
      maskEmailsIn('near `{"user":{"email":"bo@example.com"}` at byte 29; also Eve+x@mail.co.uk'),
    ).toBe('near `{"user":{"email":"b***@example.com"}` at byte 29; also E***@mail.co.uk')
    expect(maskEmailsIn('no address here @ all')).toBe('no address here @ all')
  })
  it('masks addresses written in capitals too', () => {
    expect(maskEmailsIn('consent refused by BOB.SMITH@EXAMPLE.COM')).toBe(
      'consent refused by B***@EXAMPLE.COM',
    )
  })
})
