import { deflateSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { compressionRatio } from '../../src/quality/compression-ratio.js';

describe('compressionRatio', () => {
  // Byte counts checked against Python's len(s.encode()) / len(zlib.compress(s.encode())).
  it('is UTF-8 bytes over zlib-deflated bytes', () => {
    expect(compressionRatio('hello world')).toBe(11 / 19);
    expect(compressionRatio(' Thank you.'.repeat(10))).toBe(110 / 22);
    expect(compressionRatio('go '.repeat(50))).toBe(150 / 14);
  });

  it('counts bytes, not characters', () => {
    const text = 'héllo wörld ünïcode';
    expect(text.length).toBe(19);
    expect(compressionRatio(text)).toBe(23 / deflateSync(Buffer.from(text)).length);
  });

  it('is 0 for empty text', () => {
    expect(compressionRatio('')).toBe(0);
  });

  it('keeps ordinary sentences under whisper’s 2.4 and loops far over it', () => {
    const sentence =
      ' Ask not what your country can do for you, ask what you can do for your country.';
    expect(compressionRatio(sentence)).toBeLessThan(1.5);
    expect(compressionRatio(' I am going to the store.'.repeat(8))).toBeGreaterThan(2.4);
  });
});
