import { describe, expect, it } from 'vitest';
import { isCommonPassword } from './common-passwords.js';

describe('common passwords', () => {
  it.each([
    { password: 'password', common: true },
    { password: 'PASSWORD', common: true },
    { password: 'ｐａｓｓｗｏｒｄ', common: true }, // full-width forms fold under NFKC
    { password: '24081990', common: true }, // rank 10 000, the last one kept
    { password: '25021983', common: false }, // rank 10 001
    { password: 'password ', common: false },
    { password: 'a horse called mainspring', common: false },
    { password: '', common: false },
  ])('$password → $common', ({ password, common }) => {
    expect(isCommonPassword(password)).toBe(common);
  });
});
