import { describe, expect, it } from 'vitest';

import { isExcluded, parseDockerignore } from './dockerignore.js';

// The matcher decides what the Dockerfile tests believe is in the build
// context, so its reading of Docker's rules is checked on its own.
describe('dockerignore matcher', () => {
  it('lets an exception take back a file or folder the catch-all left out', () => {
    const patterns = parseDockerignore('# comment\n*\n!src\n!models/README.md\n');
    expect(isExcluded(patterns, 'src/engine/model.ts')).toBe(false);
    expect(isExcluded(patterns, 'models/README.md')).toBe(false);
    expect(isExcluded(patterns, 'models/generated/tiny.bin')).toBe(true);
    expect(isExcluded(patterns, 'package.json')).toBe(true);
  });

  it('lets the last matching pattern decide', () => {
    const patterns = parseDockerignore('!src\nsrc/**/*.test.ts\n');
    expect(isExcluded(patterns, 'src/a/b.test.ts')).toBe(true);
    expect(isExcluded(patterns, 'src/a/b.ts')).toBe(false);
    expect(isExcluded(parseDockerignore('src/**/*.test.ts\n!src'), 'src/a/b.test.ts')).toBe(false);
  });

  it('keeps * and ? inside one path element, and lets ** cross them', () => {
    expect(isExcluded(parseDockerignore('*.md'), 'docs/protocol.md')).toBe(false);
    expect(isExcluded(parseDockerignore('*.md'), 'README.md')).toBe(true);
    expect(isExcluded(parseDockerignore('**/*.md'), 'docs/protocol.md')).toBe(true);
    expect(isExcluded(parseDockerignore('**/*.md'), 'README.md')).toBe(true);
    expect(isExcluded(parseDockerignore('build-?'), 'build-x/y')).toBe(true);
  });

  it('reads patterns as cleaned paths from the context root', () => {
    expect(isExcluded(parseDockerignore('/dist/'), 'dist/cli.js')).toBe(true);
    expect(isExcluded(parseDockerignore('./node_modules'), 'node_modules/a/b.js')).toBe(true);
  });
});
