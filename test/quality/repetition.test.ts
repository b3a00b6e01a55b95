import { describe, expect, it } from 'vitest';

import { hasRepetitionLoop } from '../../src/quality/repetition.js';

describe('hasRepetitionLoop', () => {
  it.each([
    'one two three four five',
    'no, no, no',
    'four four four four', // a PIN said digit by digit
    'the cat the cat the cat', // three times
    'go home go home and stay home',
    '',
    '   ',
  ])('passes %j', (text) => {
    expect(hasRepetitionLoop(text)).toBe(false);
  });

  it.each([
    'go go go go go go',
    'go go go go go',
    'the cat the cat the cat the cat',
    ' Thank you. Thank you. Thank you. Thank you.',
    'I said: we will, we will, we will, we will rock you',
    'and one two three one two three one two three one two three',
    'a b c d a b c d a b c d a b c d',
    'So So SO so, so!',
  ])('flags %j', (text) => {
    expect(hasRepetitionLoop(text)).toBe(true);
  });

  it('looks only for phrases of up to four words', () => {
    const fiveWords = 'a b c d e ';
    expect(hasRepetitionLoop(fiveWords.repeat(4))).toBe(false);
  });
});
