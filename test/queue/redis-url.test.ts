import { describe, expect, it } from 'vitest';

import { reconnectDelayMs, redactRedisUrl, redisOptionsFromUrl } from '../../src/queue/redis.js';

describe('redactRedisUrl', () => {
  it.each([
    ['redis://:secret@h:6379/0', 'redis://:***@h:6379/0'],
    ['rediss://user:secret@h', 'rediss://user:***@h'],
    ['redis://user:p%40ss%3Aword@h:6380/2', 'redis://user:***@h:6380/2'],
    // A raw '@' or '/' in the password: masked whole, not half shown.
    ['redis://user:p@ss/w@rd@h:6379', 'redis://user:***@h:6379'],
    // A lone user part may be a password to some clients.
    ['redis://secret@h', 'redis://***@h'],
    ['redis://h:6379/0', 'redis://h:6379/0'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['rediss://[::1]:6380', 'rediss://[::1]:6380'],
    ['not a url', 'not a url'],
    ['', ''],
    ['user:secret@h:6379', 'user:***@h:6379'],
  ])('%s -> %s', (url, redacted) => {
    expect(redactRedisUrl(url)).toBe(redacted);
  });
});

describe('redisOptionsFromUrl', () => {
  it('reads host, port, database, user and password', () => {
    expect(redisOptionsFromUrl('redis://user:p%40ss@cache.internal:6380/3')).toEqual({
      host: 'cache.internal',
      port: 6380,
      db: 3,
      username: 'user',
      password: 'p@ss',
    });
    expect(redisOptionsFromUrl('redis://:secret@h')).toEqual({
      host: 'h',
      port: 6379,
      db: 0,
      password: 'secret',
    });
    expect(redisOptionsFromUrl('redis://[::1]:7000/')).toEqual({ host: '::1', port: 7000, db: 0 });
  });

  it('turns TLS on for rediss://', () => {
    expect(redisOptionsFromUrl('rediss://h:6380').tls).toEqual({});
    expect(redisOptionsFromUrl('redis://h').tls).toBeUndefined();
  });

  it.each([
    ['redis-sentinel://:secret@h:26379/mymaster', /unsupported Redis URL scheme/],
    ['http://:secret@h', /unsupported Redis URL scheme/],
    ['redis://:secret@h/zero', /must be a number/],
    ['redis://:secret@h?family=6', /query parameters/],
    ['redis://:secret@', /invalid Redis URL|no host/],
    ['::secret@@', /invalid Redis URL/],
  ])('refuses %s without showing the password', (url, message) => {
    let error: unknown;
    try {
      redisOptionsFromUrl(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('secret');
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from 100 ms, caps at 5 s plus jitter, never gives up', () => {
    expect(reconnectDelayMs(1)).toBeGreaterThanOrEqual(100);
    expect(reconnectDelayMs(1)).toBeLessThanOrEqual(110);
    expect(reconnectDelayMs(2)).toBeGreaterThanOrEqual(200);
    expect(reconnectDelayMs(4)).toBeGreaterThanOrEqual(800);
    for (const attempt of [7, 20, 1_000, 1e9]) {
      const delayMs = reconnectDelayMs(attempt);
      expect(delayMs).toBeGreaterThanOrEqual(5_000);
      expect(delayMs).toBeLessThanOrEqual(5_500);
    }
  });
});
