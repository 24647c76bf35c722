// A keyed cache for registry answers: fresh for a TTL, then served stale while one background
// request revalidates it (stale-while-revalidate); one request in flight per key however many
// callers ask (single flight); a caller that gives up (its signal aborts) stops waiting, and the
// request itself is aborted once nobody waits for it and nobody wants the key any more.
// Failures are remembered with a retry time so an unreachable registry is not hammered; a
// failure never replaces a value that was known (the stale value keeps being served).

export type LiveErrorKind = 'not-found' | 'auth' | 'unreachable' | 'other';

export class LiveError extends Error {
  constructor(readonly kind: LiveErrorKind, message: string, readonly registry?: string) {
    super(message);
    this.name = 'LiveError';
  }
}

export interface CacheEntry<T> {
  value?: T;
  /** When the value was fetched (ms since epoch). */
  fetchedAt?: number;
  /** The last attempt failed (kept beside an older value when there was one). */
  error?: LiveError;
  /** Earliest time the next attempt after a failure may start. */
  retryAt?: number;
  /** Consecutive failures (drives the retry back-off). */
  failures: number;
}

export interface SwrCacheOptions {
  /** How long a value stays fresh (ms); Infinity for immutable values. */
  ttlMs: () => number;
  /** Called when a key's value or error changes (not when an equal value is fetched again). */
  onChange?: (key: string) => void;
  /** Equality for values, so revalidation that changes nothing notifies nobody. */
  equals?: (a: unknown, b: unknown) => boolean;
  /** Most entries kept; the least recently used go first. */
  maxEntries?: number;
  now?: () => number;
}

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
  background: boolean;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;

export class SwrCache<T> {
  private readonly entries = new Map<string, CacheEntry<T>>();
  private readonly flights = new Map<string, Flight<T>>();
  private readonly now: () => number;

  constructor(private readonly options: SwrCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  peek(key: string): CacheEntry<T> | undefined {
    return this.entries.get(key);
  }

  isFresh(key: string): boolean {
    const e = this.entries.get(key);
    return e?.fetchedAt !== undefined && e.error === undefined && this.now() - e.fetchedAt < this.options.ttlMs();
  }

  inFlight(key: string): boolean {
    return this.flights.has(key);
  }

  /** When this key should next be fetched (undefined: never, e.g. immutable and known). */
  nextCheckAt(key: string): number | undefined {
    const e = this.entries.get(key);
    if (!e) return this.now();
    if (e.error && e.retryAt !== undefined) return e.retryAt;
    if (e.fetchedAt === undefined) return this.now();
    const ttl = this.options.ttlMs();
    return Number.isFinite(ttl) ? e.fetchedAt + ttl : undefined;
  }

  /**
   * The value: a fresh one at once, a stale one at once (revalidating in the background), else
   * waits for the one request in flight. Rejects with the LiveError when there is no value.
   */
  async get(key: string, fetcher: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const entry = this.entries.get(key);
    if (entry?.value !== undefined && entry.fetchedAt !== undefined) {
      this.touch(key, entry);
      if (!this.isFresh(key)) this.ensure(key, fetcher);
      return entry.value;
    }
    if (entry?.error && entry.retryAt !== undefined && this.now() < entry.retryAt && !this.flights.has(key)) throw entry.error;
    return this.wait(this.start(key, fetcher, false), signal);
  }

  /** Starts a background fetch when the key is missing, stale or due for a retry. */
  ensure(key: string, fetcher: (signal: AbortSignal) => Promise<T>): void {
    if (this.flights.has(key)) return;
    const due = this.nextCheckAt(key);
    if (due === undefined || due > this.now()) return;
    const flight = this.start(key, fetcher, true);
    flight.promise.catch(() => undefined);
  }

  /** Aborts requests nobody waits for whose keys are not wanted any more (the user typed on). */
  cancelUnwanted(wanted: (key: string) => boolean): void {
    for (const [key, flight] of this.flights) {
      if (flight.waiters === 0 && !wanted(key)) flight.controller.abort(new LiveError('other', 'no longer needed'));
    }
  }

  /** Forgets failures and marks values stale (after credentials, trust or settings change). */
  invalidate(): void {
    for (const [key, entry] of this.entries) {
      if (entry.error && entry.value === undefined) this.entries.delete(key);
      else {
        entry.error = undefined;
        entry.retryAt = undefined;
        entry.failures = 0;
        if (entry.fetchedAt !== undefined && Number.isFinite(this.options.ttlMs())) entry.fetchedAt = 0;
      }
    }
  }

  clear(): void {
    for (const flight of this.flights.values()) flight.controller.abort(new LiveError('other', 'cache cleared'));
    this.flights.clear();
    this.entries.clear();
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  private touch(key: string, entry: CacheEntry<T>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private start(key: string, fetcher: (signal: AbortSignal) => Promise<T>, background: boolean): Flight<T> {
    let flight = this.flights.get(key);
    if (flight) {
      if (background) flight.background = true;
      return flight;
    }
    const controller = new AbortController();
    const promise = (async () => {
      try {
        const value = await fetcher(controller.signal);
        this.settle(key, { value });
        return value;
      } catch (error) {
        if (controller.signal.aborted) throw error instanceof LiveError ? error : new LiveError('other', 'cancelled');
        const live = error instanceof LiveError ? error : new LiveError('other', error instanceof Error ? error.message : String(error));
        this.settle(key, { error: live });
        throw live;
      } finally {
        this.flights.delete(key);
      }
    })();
    flight = { promise, controller, waiters: 0, background };
    this.flights.set(key, flight);
    return flight;
  }

  private settle(key: string, outcome: { value: T } | { error: LiveError }): void {
    const before = this.entries.get(key);
    const entry: CacheEntry<T> = before ?? { failures: 0 };
    let changed: boolean;
    if ('value' in outcome) {
      const equals = this.options.equals ?? ((a, b) => JSON.stringify(a) === JSON.stringify(b));
      changed = entry.value === undefined || entry.error !== undefined || !equals(entry.value, outcome.value);
      entry.value = outcome.value;
      entry.fetchedAt = this.now();
      entry.error = undefined;
      entry.retryAt = undefined;
      entry.failures = 0;
    } else {
      // Beside a known value a failure changes nothing anyone sees (the stale value is served).
      changed = entry.value === undefined && entry.error?.kind !== outcome.error.kind;
      entry.error = outcome.error;
      entry.failures++;
      entry.retryAt = this.now() + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (entry.failures - 1));
      // A value that is not there (repository deleted, tag gone) is not a stale value to keep.
      if (outcome.error.kind === 'not-found' && entry.value !== undefined) {
        entry.value = undefined;
        entry.fetchedAt = undefined;
        changed = true;
      }
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    const max = this.options.maxEntries ?? 5000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
    if (changed) this.options.onChange?.(key);
  }

  private wait(flight: Flight<T>, signal?: AbortSignal): Promise<T> {
    if (!signal) {
      flight.waiters++;
      return flight.promise.finally(() => flight.waiters--);
    }
    if (signal.aborted) return Promise.reject(new LiveError('other', 'cancelled'));
    flight.waiters++;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = () => {
        if (done) return false;
        done = true;
        flight.waiters--;
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = () => {
        if (!finish()) return;
        if (flight.waiters === 0 && !flight.background) flight.controller.abort(new LiveError('other', 'cancelled'));
        reject(new LiveError('other', 'cancelled'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => { if (finish()) resolve(value); },
        (error: unknown) => { if (finish()) reject(error); },
      );
    });
  }
}
