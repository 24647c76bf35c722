// Time budgets and state waits shared by every suite (node tests, the extension-host suite, the
// end-to-end steps). Tests wait for a state, never for a fixed time: a budget is only the point
// at which a missing state counts as a failure. Budgets are generous and scale with
// FLUX_OCI_TEST_TIME_SCALE (default 1; e.g. 3 on a slow or heavily shared machine).
// No LSP, vscode or playwright types here: this file is bundled into the extension-host runner too.

/** The factor every budget is multiplied by (FLUX_OCI_TEST_TIME_SCALE, at least 0.1). */
export function timeScale(): number {
  const raw = Number(process.env.FLUX_OCI_TEST_TIME_SCALE);
  return Number.isFinite(raw) && raw >= 0.1 ? raw : 1;
}

/** A budget in milliseconds, scaled for this machine. */
export function budget(ms: number): number {
  return Math.round(ms * timeScale());
}

/** Resolves after `ms` on the event loop: a polling interval, never a synchronisation point. */
export function pollInterval(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface WaitOptions {
  /** Unscaled budget in ms (scaled with budget()); default 30 s. */
  timeoutMs?: number;
  /** A budget already scaled (e.g. what is left of a retry attempt); wins over timeoutMs. */
  scaledTimeoutMs?: number;
  /** Time between checks; default 50 ms. */
  intervalMs?: number;
  /** Extra context for the failure message (e.g. the last state seen). */
  describe?: () => string | Promise<string>;
}

/**
 * Checks `check` until it returns something other than undefined (or false) and returns that;
 * fails after the (scaled) budget, naming `what` and the last state. A check that throws counts
 * as "not yet" until the budget is spent, then its error is reported.
 */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.scaledTimeoutMs ?? budget(options.timeoutMs ?? 30_000);
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const state = options.describe ? `; last state: ${await Promise.resolve(options.describe()).catch(() => '?')}` : '';
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}${cause}`);
    }
    await pollInterval(options.intervalMs ?? 50);
  }
}

export interface RetryOptions {
  /** Unscaled budget for all attempts together; default 60 s. */
  timeoutMs?: number;
  /** Unscaled budget of the first attempt; later attempts get more (×1.5 each, up to 4×). */
  attemptMs?: number;
}

/**
 * For states a system reaches only eventually and an action has to be repeated for (reopen a
 * menu until its entries arrive, re-trigger suggest until items arrive): calls `attempt` with its
 * own (scaled) budget until it returns a value, then returns that value. `attempt` returns
 * undefined (or throws) when the state did not arrive in its budget; it should undo what it
 * opened itself before returning.
 */
export async function retryUntil<T>(what: string, attempt: (attemptBudgetMs: number, attemptNumber: number) => Promise<T | undefined>,
  options: RetryOptions = {}): Promise<T> {
  const total = budget(options.timeoutMs ?? 60_000);
  const first = budget(options.attemptMs ?? 5_000);
  const deadline = Date.now() + total;
  const errors: string[] = [];
  for (let n = 1; ; n++) {
    const remaining = deadline - Date.now();
    const attemptBudget = Math.max(1, Math.min(remaining, Math.round(first * Math.min(4, 1.5 ** (n - 1)))));
    try {
      const value = await attempt(attemptBudget, n);
      if (value !== undefined) return value;
      errors.push(`attempt ${n}: not yet`);
    } catch (error) {
      errors.push(`attempt ${n}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not reached within ${total} ms (${n} attempts)\n  ${errors.slice(-5).join('\n  ')}`);
    }
  }
}
