/**
 * The session, deadline and quality flags as `asr-worker run` reads them,
 * and the prompt length each kind of model gets when none is given.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { connectionOptions, workerOptions } from '../../src/cli/options.js';
import { configFromFlags, type RunFlags } from '../../src/cli/run-command.js';
import {
  DEFAULT_SESSION_CONTEXT_CHARS,
  DEFAULTS,
  flagOfSetting,
  resolveWorkerConfig,
  sessionContextChars,
} from '../../src/config.js';

function parse(args: string[]): RunFlags {
  const command = new Command('run').exitOverride().configureOutput({ writeErr: () => {} });
  for (const option of [...connectionOptions(), ...workerOptions()]) command.addOption(option);
  command.parse(args, { from: 'user' });
  return command.opts<RunFlags>();
}

describe('session and quality flags', () => {
  it('default to sessions on their own keys, a -60 dBFS floor and withheld suspect text', () => {
    const config = configFromFlags(parse([]));
    expect(config).toMatchObject({
      sessionChannel: 'asr_sessions',
      sessionResults: 'asr_session_results',
      sessionIdleMs: 300_000,
      silenceFloorDbfs: -60,
      maxCompressionRatio: 2.4,
      minAvgLogprob: -1,
      maxNoSpeechProb: 0.6,
      withholdSuspectText: true,
    });
    expect(config.maxTaskAgeMs).toBeUndefined();
    expect(config.vadModel).toBeUndefined();
  });

  it('reads every flag', () => {
    const config = configFromFlags(
      parse([
        '--max-task-age-ms=9000',
        '--session-channel=ch',
        '--session-results=done-sessions',
        '--session-idle-ms=60000',
        '--session-context-chars=0',
        '--silence-floor-dbfs=-75.5',
        '--vad-model=/models/silero.bin',
        '--max-compression-ratio=3',
        '--min-avg-logprob=-0.5',
        '--max-no-speech-prob=0.8',
        '--keep-suspect-text',
      ]),
    );
    expect(config).toMatchObject({
      maxTaskAgeMs: 9000,
      sessionChannel: 'ch',
      sessionResults: 'done-sessions',
      sessionIdleMs: 60_000,
      sessionContextChars: 0,
      silenceFloorDbfs: -75.5,
      vadModel: '/models/silero.bin',
      maxCompressionRatio: 3,
      minAvgLogprob: -0.5,
      maxNoSpeechProb: 0.8,
      withholdSuspectText: false,
    });
  });

  it('turns the silence gate off with "off", and refuses levels the engine cannot take', () => {
    expect(configFromFlags(parse(['--silence-floor-dbfs', 'off'])).silenceFloorDbfs).toBe(
      Number.NEGATIVE_INFINITY,
    );
    expect(() => parse(['--silence-floor-dbfs', '3'])).toThrow(/-120 to 0/);
    expect(() => parse(['--silence-floor-dbfs', '-130'])).toThrow(/-120 to 0/);
    expect(() => resolveWorkerConfig({ silenceFloorDbfs: -200 })).toThrow(/--silence-floor-dbfs/);
  });
});

describe('session context length', () => {
  it('is off with the bundled model, which was trained without prompts', () => {
    expect(sessionContextChars(resolveWorkerConfig({}))).toBe(0);
  });

  it('is the default with a model given, and what the user says in either case', () => {
    const withModel = resolveWorkerConfig({ model: '/models/ggml-base.en.bin' });
    expect(sessionContextChars(withModel)).toBe(DEFAULT_SESSION_CONTEXT_CHARS);
    expect(sessionContextChars(resolveWorkerConfig({ sessionContextChars: 80 }))).toBe(80);
    expect(
      sessionContextChars(
        resolveWorkerConfig({ model: '/models/ggml-base.en.bin', sessionContextChars: 0 }),
      ),
    ).toBe(0);
  });
});

describe('setting errors', () => {
  it('name the flag a user typed, not the setting in code', () => {
    expect(() => resolveWorkerConfig({ maxNoSpeechProb: 2 })).toThrow(/^--max-no-speech-prob: /);
    expect(() => resolveWorkerConfig({ queue: '' })).toThrow(/^--queue: /);
    expect(() => resolveWorkerConfig({ redisUrl: '' })).toThrow(/^--redis: /);
  });

  it('map every setting with a flag to a flag that exists', () => {
    const flags = new Set(
      [...connectionOptions(), ...workerOptions()].map((option) => option.long),
    );
    const settings = Object.keys(resolveWorkerConfig({ model: 'm.bin' }));
    for (const name of [...settings, ...Object.keys(DEFAULTS)]) {
      const flag = flagOfSetting(name);
      if (flag !== undefined) expect(flags, name).toContain(flag);
    }
  });
});
