/**
 * The start-up banner: one log line that says everything an operator needs
 * to check that this worker and its producers meet (which Redis, which key,
 * what is on it) and what it runs. The message reads as a sentence in a
 * terminal; the fields are for log search.
 */
import { basename } from 'node:path';

export interface EngineFacts {
  /** File name, or "noop". */
  model: string;
  modelPath?: string;
  /** whisper's model type: tiny, base, small, ... */
  modelShape?: string;
  /** The addon's backend: cpu, cuda, metal; "none" for the no-op engine. */
  backend: string;
  /** The asr_engine.node file in use (a local build or a prebuilt one). */
  addonPath?: string;
  device: string;
  threads?: number;
  states: number;
}

export interface BannerFacts {
  redis: string;
  database: number;
  queue: string;
  queueType: string;
  queueDepth: number;
  results: string;
  channel: string;
  sessionResults: string;
  sessionChannel: string;
  /** Characters of a session's transcript given to its next chunk; 0: none. */
  contextChars: number;
  /** Chunks quieter than this (dBFS) are not decoded; 'off': no gate. */
  silenceFloorDbfs: number | 'off';
  /** The Silero VAD model that skips chunks without speech, when one is loaded. */
  vadModel?: string;
  engine: EngineFacts;
  slots: number;
  version: string;
  /** Where /healthz, /readyz and /metrics answer, when they do. */
  http?: string;
}

export function bannerFields(facts: BannerFacts): Record<string, unknown> {
  const { engine, ...rest } = facts;
  return { ...rest, ...engine };
}

function counted(n: number, singular: string): string {
  return `${n} ${singular}${n === 1 ? '' : 's'}`;
}

export function bannerMessage(facts: BannerFacts): string {
  const { engine } = facts;
  const onQueue =
    facts.queueType === 'none' ? 'absent so far' : `a list, ${facts.queueDepth} waiting`;
  const shape = [
    engine.modelShape,
    engine.backend,
    engine.device,
    engine.threads === undefined ? undefined : counted(engine.threads, 'thread'),
    counted(engine.states, 'state'),
  ].filter((part) => part !== undefined && part !== 'none');
  const http = facts.http === undefined ? 'no HTTP' : `health and metrics on ${facts.http}`;
  const gate =
    facts.silenceFloorDbfs === 'off'
      ? 'no silence gate'
      : `silence gate ${facts.silenceFloorDbfs} dBFS`;
  const vad = facts.vadModel === undefined ? 'no VAD' : `VAD ${basename(facts.vadModel)}`;
  return (
    `listening on Redis list '${facts.queue}' (${onQueue}) at ${facts.redis} db ${facts.database}; ` +
    `results to list '${facts.results}' and channel '${facts.channel}'; ` +
    `sessions to list '${facts.sessionResults}' and channel '${facts.sessionChannel}' ` +
    `(${facts.contextChars === 0 ? 'no context' : `context ${facts.contextChars} chars`}); ` +
    `model ${engine.model} (${shape.join(', ')}); ${gate}; ${vad}; ` +
    `${counted(facts.slots, 'slot')}; ` +
    `version ${facts.version}; ${http}`
  );
}
