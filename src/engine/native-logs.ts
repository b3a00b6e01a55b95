/**
 * Sends whisper.cpp and ggml log lines to a pino logger at their own level.
 * The addon has one receiver per process; the most recent logger wins.
 */
import { pino, type Logger } from 'pino';

import type { NativeAddon } from './native-types.js';

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

export function attachNativeLogs(addon: NativeAddon, logger: Logger): void {
  attached = true;
  const native = logger.child({ component: 'whisper' });
  addon.setLogReceiver((level, line) => {
    const method = LEVELS.has(level) ? (level as 'debug' | 'info' | 'warn' | 'error') : 'info';
    // whisper's start-up chatter (shapes, buffer sizes) is detail, not news.
    native[method === 'info' ? 'debug' : method](line.trim());
  });
}

let attached = false;

/**
 * Until a caller attaches its own logger, warnings and errors from whisper
 * still reach stderr as JSON lines, and its chatter is dropped.
 */
export function ensureNativeLogs(addon: NativeAddon): void {
  if (!attached) attachNativeLogs(addon, pino({ level: 'warn' }, pino.destination(2)));
}

export function detachNativeLogs(addon: NativeAddon): void {
  addon.setLogReceiver(undefined);
}
