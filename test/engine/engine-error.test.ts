import { describe, expect, it } from 'vitest';

import { CallSite, EngineError, toEngineError } from '../../src/engine/engine-error.js';

describe('EngineError', () => {
  it('keeps a known native code and falls back to INTERNAL', () => {
    const native = Object.assign(new Error('bad'), { code: 'AUDIO_INVALID' });
    expect(toEngineError(native).code).toBe('AUDIO_INVALID');
    expect(toEngineError(new Error('odd')).code).toBe('INTERNAL');
  });

  it("rebuilds the stack at the caller's site", async () => {
    function callerOfTheEngine(): CallSite {
      return new CallSite(callerOfTheEngine);
    }
    const site = callerOfTheEngine();
    const failure = await Promise.reject(Object.assign(new Error('x'), { code: 'TIMEOUT' })).catch(
      (e: unknown) => site.wrap(e),
    );
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure.stack).toMatch(/^EngineError \[TIMEOUT\]: x\n/);
    expect(failure.stack).toContain('engine-error.test.ts');
  });
});
