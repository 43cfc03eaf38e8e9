import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCookie, serializeCookie } from './cookie-header.js';

const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
const value = fc.stringMatching(/^[A-Za-z0-9._~-]{0,60}$/);

describe('readCookie', () => {
  it.each([
    { header: undefined, expected: undefined },
    { header: '', expected: undefined },
    { header: 'ms_auth=abc', expected: 'abc' },
    { header: 'a=1; ms_auth=abc.def; b=2', expected: 'abc.def' },
    { header: 'ms_auth_csrf=x; ms_auth=y', expected: 'y' },
    { header: 'ms_auth=first; ms_auth=second', expected: 'first' },
    { header: 'ms_auth="quoted"', expected: 'quoted' },
    { header: 'ms_auth=', expected: '' },
    { header: 'xms_auth=1; ms_authx=2', expected: undefined },
    { header: 'ms_auth', expected: undefined },
  ])('reads $header', ({ header, expected }) => {
    expect(readCookie(header, 'ms_auth')).toBe(expected);
  });

  it('reads back what serializeCookie wrote, among other cookies', () => {
    fc.assert(fc.property(name, value, fc.array(fc.tuple(name, value), { maxLength: 5 }), (n, v, others) => {
      const before = others.filter(([o]) => o !== n).map(([o, ov]) => `${o}=${ov}`);
      const written = serializeCookie(n, v, { maxAge: 60 }).split(';')[0]!;
      expect(readCookie([...before, written].join('; '), n)).toBe(v);
    }));
  });

  it('never throws on any header', () => {
    fc.assert(fc.property(fc.string(), name, (header, n) => {
      const got = readCookie(header, n);
      return got === undefined || typeof got === 'string';
    }));
  });
});

describe('serializeCookie', () => {
  it('writes the attributes asked for', () => {
    expect(serializeCookie('ms_auth', 'a.b-c_d', { httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 1209600 }))
      .toBe('ms_auth=a.b-c_d; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax');
    expect(serializeCookie('ms_auth_csrf', '', { secure: true, sameSite: 'Strict', maxAge: -5 }))
      .toBe('ms_auth_csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict');
  });

  it.each(['a b', 'a;b', 'a=b', ''])('refuses the name %j', (bad) => {
    expect(() => serializeCookie(bad, 'v', { maxAge: 1 })).toThrow(TypeError);
  });

  it.each(['a;b', 'a b', 'a"b', 'a,b', 'é'])('refuses the value %j', (bad) => {
    expect(() => serializeCookie('n', bad, { maxAge: 1 })).toThrow(TypeError);
  });
});
