/**
 * Readiness as a set of named checks, so /readyz can say which one fails
 * instead of a bare 503. Each check is a function read at request time; the
 * worker registers them once.
 */
export interface CheckResult {
  ok: boolean;
  /** Why it fails (or what it saw), in words an operator can act on. */
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export class Readiness {
  private readonly checks = new Map<string, () => CheckResult>();

  add(name: string, check: () => CheckResult): void {
    this.checks.set(name, check);
  }

  report(): ReadinessReport {
    const checks: Record<string, CheckResult> = {};
    let ready = true;
    for (const [name, check] of this.checks) {
      const result = check();
      checks[name] = result;
      if (!result.ok) ready = false;
    }
    return { ready, checks };
  }
}
