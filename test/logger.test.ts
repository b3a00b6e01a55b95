import { describe, expect, it } from 'vitest';

import { createLogger } from '../src/logger.js';

describe('createLogger', () => {
  it('takes any of pino’s levels', () => {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) {
      expect(createLogger({ level, pretty: false }).level).toBe(level);
    }
  });

  it('refuses an unknown level with INVALID_CONFIG, naming the flag and the choices', () => {
    expect(() => createLogger({ level: 'loud', pretty: false })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message:
          "log level 'loud' (--log-level, ASR_LOG_LEVEL) is not one of trace, debug, info, warn, error, fatal, silent",
      }),
    );
  });
});
