/**
 * An engine whose "audio" is a script: the task's audio bytes are JSON
 * saying what text to return, how long the audio is and how long to take.
 * Lets session tests choose the order in which workers finish, and records
 * the prompt each chunk was decoded with.
 */
import type { Transcription } from '../../src/engine/model.js';
import type { TranscribeOptions } from '../../src/engine/options.js';
import type { Transcriber } from '../../src/engine/transcriber.js';

export interface ChunkScript {
  text: string;
  audioMs?: number;
  delayMs?: number;
  /** Extra segments after the main one (a made-up repetition loop, say). */
  more?: string[];
  /** How far the last segment ends past the audio, as whisper's may. */
  overrunMs?: number;
}

export interface ScriptedCall {
  text: string;
  prompt: string | undefined;
  finishedAt: number;
}

export function scriptedAudio(script: ChunkScript): string {
  return Buffer.from(JSON.stringify(script)).toString('base64');
}

export class ScriptedEngine implements Transcriber {
  readonly name = 'scripted';
  readonly calls: ScriptedCall[] = [];

  constructor(readonly capacity = 2) {}

  async transcribe(audio: Buffer, options: TranscribeOptions): Promise<Transcription> {
    const script = JSON.parse(audio.toString('utf8')) as ChunkScript;
    await new Promise((resolve) => setTimeout(resolve, script.delayMs ?? 0));
    const audioMs = script.audioMs ?? 1000;
    const texts = [script.text, ...(script.more ?? [])];
    const step = audioMs / texts.length;
    const segments = texts.map((text, i) => ({
      startMs: i * step,
      endMs: (i + 1) * step + (i === texts.length - 1 ? (script.overrunMs ?? 0) : 0),
      text: ` ${text}`,
      noSpeechProb: 0.01,
      avgLogprob: -0.2,
      tokens: text.split(' ').length,
    }));
    this.calls.push({ text: script.text, prompt: options.prompt, finishedAt: Date.now() });
    return {
      text: segments.map((segment) => segment.text).join(''),
      segments,
      language: 'en',
      audioMs,
      levelDbfs: -20,
      timings: { queuedMs: 0, convertMs: 0, vadMs: 0, decodeMs: script.delayMs ?? 0, totalMs: 0 },
    };
  }

  async close(): Promise<void> {}
}
