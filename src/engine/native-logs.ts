/**
 * Sends whisper.cpp and ggml log lines to a pino logger at their own level.
 * Each addon build has its own whisper copy and so its own receiver; within
 * one addon the most recent logger wins.
 */
import { pino, type Logger } from 'pino';

import type { NativeAddon } from './native-types.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS = new Set<string>(['debug', 'info', 'warn', 'error']);

/**
 * What whisper logs as errors when a decode is stopped on purpose. While a
 * stop is in flight these lines are expected and go to debug.
 */
const STOP_NOISE = [/returned false - aborting/, /failed to (encode|decode)/, /aborted/i];
const STOP_NOISE_GRACE_MS = 1000;
let stopsInFlight = 0;

const attached = new WeakSet<NativeAddon>();

export function attachNativeLogs(addon: NativeAddon, logger: Logger): void {
  attached.add(addon);
  const native = logger.child({ component: 'whisper' });
  addon.setLogReceiver((level, line) => {
    native[levelFor(level, line)](line.trim());
  });
}

function levelFor(level: string, line: string): Level {
  // whisper's start-up chatter (shapes, buffer sizes) is detail, not news.
  if (!LEVELS.has(level) || level === 'info') return 'debug';
  if (stopsInFlight > 0 && STOP_NOISE.some((pattern) => pattern.test(line))) return 'debug';
  return level as Level;
}

/**
 * Until a caller attaches its own logger, warnings and errors from whisper
 * still reach stderr as JSON lines, and its chatter is dropped.
 */
export function ensureNativeLogs(addon: NativeAddon): void {
  if (!attached.has(addon)) {
    attachNativeLogs(addon, pino({ level: 'warn' }, pino.destination(2)));
  }
}

/**
 * Marks a deliberate stop. Log lines travel on their own queue and can land
 * after the call settles, so the mark outlives the call by a grace period.
 */
export function expectStopNoise(): () => void {
  stopsInFlight++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    setTimeout(() => stopsInFlight--, STOP_NOISE_GRACE_MS).unref();
  };
}
