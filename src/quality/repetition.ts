/**
 * Decoder loops: the same short phrase over and over, the way whisper
 * hallucinates on silence or noise ("Thank you. Thank you. Thank you. ...").
 *
 * A loop is one word said five or more times in a row, or a phrase of two
 * to four words said four or more times in a row. Words compare without
 * case and without the punctuation around them. One word needs more
 * repeats than a phrase because people do say "no, no, no" and spell out
 * numbers digit by digit ("four four four four" is a PIN, not a loop).
 * Text is split on white space, so scripts written without spaces are only
 * checked as whole runs between spaces.
 */

/** Longest phrase, in words, that is looked for. */
export const MAX_LOOP_PHRASE_WORDS = 4;
/** Consecutive repeats that make a loop: of one word, and of a longer phrase. */
export const MIN_LOOP_REPEATS = { oneWord: 5, phrase: 4 } as const;

const EDGE_PUNCTUATION = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu;

export function hasRepetitionLoop(text: string): boolean {
  const words = normalisedWords(text);
  for (let phraseWords = 1; phraseWords <= MAX_LOOP_PHRASE_WORDS; phraseWords++) {
    const needed = phraseWords === 1 ? MIN_LOOP_REPEATS.oneWord : MIN_LOOP_REPEATS.phrase;
    for (let start = 0; start + phraseWords * needed <= words.length; start++) {
      if (repeatsAt(words, start, phraseWords) >= needed) return true;
    }
  }
  return false;
}

function normalisedWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/\s+/u)
    .map((word) => word.replace(EDGE_PUNCTUATION, ''))
    .filter((word) => word.length > 0);
}

/** How many times the phrase at `start` occurs back to back from there. */
function repeatsAt(words: readonly string[], start: number, phraseWords: number): number {
  let repeats = 1;
  for (;;) {
    const next = start + repeats * phraseWords;
    if (next + phraseWords > words.length) return repeats;
    for (let i = 0; i < phraseWords; i++) {
      if (words[next + i] !== words[start + i]) return repeats;
    }
    repeats++;
  }
}
