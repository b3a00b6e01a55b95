/**
 * A .dockerignore matcher with Docker's rules, so the tests see the build
 * context the daemon would: patterns are cleaned paths relative to the
 * context root; `*` and `?` stay within one path element, `**` spans any
 * number; a pattern that matches a parent directory matches what is inside
 * it; a leading `!` takes matching paths back in; the last match decides.
 */
import path from 'node:path';

interface IgnorePattern {
  source: string;
  regex: RegExp;
  reinclude: boolean;
}

const REGEX_SPECIAL = new Set([...'.+()|{}^$']);

// `**/` may match nothing at all, so `**/x` also matches `x` at the root.
function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') {
        i++;
        out += '(?:.*/)?';
      } else {
        out += '.*';
      }
    } else if (char === '*') {
      out += '[^/]*';
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) throw new Error(`.dockerignore: unclosed '[' in '${glob}'`);
      const body = glob.slice(i + 1, end).replace(/^!/, '^');
      out += `[${body}]`;
      i = end;
    } else if (char === '\\') {
      i++;
      out += `\\${glob[i] ?? '\\'}`;
    } else {
      out += REGEX_SPECIAL.has(char) ? `\\${char}` : char;
    }
  }
  return new RegExp(`^${out}$`);
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const reinclude = line.startsWith('!');
    const body = (reinclude ? line.slice(1) : line).trim();
    // Docker cleans each pattern and treats it as relative to the root.
    const cleaned = path.posix.normalize(body).replace(/^\/+/, '').replace(/\/+$/, '');
    patterns.push({ source: line, regex: globToRegex(cleaned), reinclude });
  }
  return patterns;
}

/** The path itself, then each of its parent directories, shortest first. */
function selfAndParents(relativePath: string): string[] {
  const parts = relativePath.split('/');
  const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
  return [relativePath, ...parents];
}

/** Whether the path (relative to the context root, with `/`) stays out of the context. */
export function isExcluded(patterns: IgnorePattern[], relativePath: string): boolean {
  const candidates = selfAndParents(path.posix.normalize(relativePath).replace(/\/+$/, ''));
  let excluded = false;
  for (const pattern of patterns) {
    if (candidates.some((candidate) => pattern.regex.test(candidate))) {
      excluded = !pattern.reinclude;
    }
  }
  return excluded;
}
