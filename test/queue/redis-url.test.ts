import { describe, expect, it } from 'vitest';

import { pino } from 'pino';

import {
  clusterConfigFromUrl,
  createRedis,
  isClusterUrl,
  reconnectDelayMs,
  redactRedisUrl,
  redisOptionsFromUrl,
} from '../../src/queue/redis.js';

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
    // Sentinel and Cluster: several hosts, shown as written.
    [
      'redis+sentinel://:secret@s1:26379,s2:26379/mymaster/2',
      'redis+sentinel://:***@s1:26379,s2:26379/mymaster/2',
    ],
    ['rediss+sentinel://u:secret@[::1]:26379/m', 'rediss+sentinel://u:***@[::1]:26379/m'],
    ['redis+cluster://:secret@h1:7000,h2:7001', 'redis+cluster://:***@h1:7000,h2:7001'],
    ['rediss+cluster://user:secret@h1,h2', 'rediss+cluster://user:***@h1,h2'],
    ['redis+cluster://h1:7000,h2:7001', 'redis+cluster://h1:7000,h2:7001'],
    // The sentinels' own password, in the query.
    [
      'redis+sentinel://:secret@s1,s2/m?sentinelPassword=other',
      'redis+sentinel://:***@s1,s2/m?sentinelPassword=***',
    ],
    ['redis+sentinel://s1/m?sentinelPassword=other', 'redis+sentinel://s1/m?sentinelPassword=***'],
    // A raw '@' in the query value: masked whole, with what the '@' seems to end.
    ['redis+sentinel://s1:26379/m?sentinelPassword=ot@her', 'redis+sentinel://s1:***'],
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
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('secret');
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('Sentinel URLs', () => {
  it("reads sentinels, master name, database, and the data nodes' user and password", () => {
    expect(
      redisOptionsFromUrl('redis+sentinel://user:p%40ss@s1:26380,s2,[::1]:26381/my%20master/3'),
    ).toEqual({
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      name: 'my master',
      db: 3,
      username: 'user',
      password: 'p@ss',
    });
    expect(redisOptionsFromUrl('redis+sentinel://s1/mymaster')).toEqual({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'mymaster',
      db: 0,
    });
  });

  it("takes the sentinels' own password from ?sentinelPassword, percent-decoded", () => {
    const options = redisOptionsFromUrl('redis+sentinel://:data@s1/m?sentinelPassword=a%2Bb+c');
    expect(options.password).toBe('data');
    expect(options.sentinelPassword).toBe('a+b+c');
  });

  it('turns TLS on for sentinels and data nodes with rediss+sentinel://', () => {
    expect(redisOptionsFromUrl('rediss+sentinel://s1/m')).toMatchObject({
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
    });
    expect(redisOptionsFromUrl('redis+sentinel://s1/m').tls).toBeUndefined();
  });

  it('is not a Cluster URL', () => {
    expect(isClusterUrl('redis+sentinel://s1/m')).toBe(false);
  });
});

describe('Cluster URLs', () => {
  it('reads seed nodes and the per-node user, password and TLS', () => {
    expect(clusterConfigFromUrl('redis+cluster://:p%3Ass@h1:7000,h2:7001,[::1]')).toEqual({
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
        { host: '::1', port: 6379 },
      ],
      redisOptions: { password: 'p:ss' },
    });
    expect(clusterConfigFromUrl('rediss+cluster://u:p@h1/')).toEqual({
      nodes: [{ host: 'h1', port: 6379 }],
      redisOptions: { username: 'u', password: 'p', tls: {} },
    });
  });

  it.each([
    ['redis+cluster://h1:7000', true],
    ['REDISS+CLUSTER://h1', true],
    ['redis://h1', false],
    ['rediss://h1', false],
    ['redis+sentinel://h1/m', false],
    ['cluster://h1', false],
  ])('isClusterUrl(%s) is %s', (url, expected) => {
    expect(isClusterUrl(url)).toBe(expected);
  });

  it('is refused where only a single Redis will do, before connecting', () => {
    expect(() =>
      createRedis('redis+cluster://:secret@127.0.0.1:1', 'commands', pino({ level: 'silent' })),
    ).toThrow(/Cluster URL/);
    expect(() => redisOptionsFromUrl('redis+cluster://h1')).toThrow(/Cluster URL/);
    expect(() => clusterConfigFromUrl('redis://h1')).toThrow(/not a Redis Cluster URL/);
  });
});

describe('Sentinel and Cluster URLs that are refused', () => {
  it.each([
    ['redis+sentinel://:secret@s1:26379', /names no master/],
    ['redis+sentinel://:secret@s1:26379/', /names no master/],
    ['redis+sentinel://:secret@s1/m/1/2', /too many path segments/],
    ['redis+sentinel://:secret@s1/m/zero', /must be a number/],
    ['redis+sentinel://:secret@s1/m?family=6', /query parameter 'family'/],
    ['redis+sentinel://:secret@/m', /no host/],
    ['redis+sentinel://:secret@s1,,s2/m', /is not a host/],
    ['redis+sentinel://:secret@s1:99999/m', /is not a host/],
    ['redis+sentinel://:secret@s1:port/m', /is not a host/],
    ['redis+sentinel://:secret@s1/m#x', /fragment/],
    ['redis+sentinel://:sec%zzret@s1/m', /percent-encoding/],
    ['redis+cluster://:secret@h1:7000/1', /only database 0/],
    ['redis+cluster://:secret@h1:7000?sentinelPassword=x', /query parameter/],
    ['redis+cluster://:secret@', /no host/],
  ])('refuses %s without showing the password', (url, message) => {
    let error: unknown;
    try {
      if (isClusterUrl(url)) clusterConfigFromUrl(url);
      else redisOptionsFromUrl(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('secret');
    expect((error as Error).message).not.toContain('sec%zzret');
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('standalone URLs that are refused', () => {
  it.each([
    ['redis://:pw%@127.0.0.1:6379', "'redis://:***@127.0.0.1:6379'", 'pw%'],
    ['redis://us%zzer:secret@127.0.0.1/1', "'redis://us%zzer:***@127.0.0.1/1'", 'secret'],
  ])('refuses %s as INVALID_CONFIG, naming it with the password masked', (url, shown, secret) => {
    let error: unknown;
    try {
      redisOptionsFromUrl(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' });
    expect((error as Error).message).toBe(`invalid percent-encoding in the Redis URL ${shown}`);
    expect((error as Error).message).not.toContain(secret);
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
