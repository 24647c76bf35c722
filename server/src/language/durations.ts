// Durations as people write them ("5 minutes", "1 hour 30 minutes", "2 hrs", "10min") read into
// the Go duration Flux wants (5m, 1h30m, 2h, 10m), for the quick fix of schema/duration.
import { GO_DURATION, withoutHours } from './patterns';

/** Unit words (lower case) and their Go unit, with a factor for the units Go lacks. */
const UNITS: Record<string, [unit: 'ms' | 's' | 'm' | 'h', factor: number]> = {};
const words = (unit: 'ms' | 's' | 'm' | 'h', factor: number, ...names: string[]) => { for (const n of names) UNITS[n] = [unit, factor]; };
words('ms', 1, 'ms', 'msec', 'msecs', 'millisecond', 'milliseconds', 'millis');
words('s', 1, 's', 'sec', 'secs', 'second', 'seconds');
words('m', 1, 'm', 'min', 'mins', 'minute', 'minutes');
words('h', 1, 'h', 'hr', 'hrs', 'hour', 'hours');
words('h', 24, 'd', 'day', 'days');
words('h', 168, 'w', 'wk', 'wks', 'week', 'weeks');

const ORDER = ['h', 'm', 's', 'ms'] as const;

/**
 * The Go duration a text means, when it can be read as one; undefined otherwise (including text
 * that already is a Go duration, and bare numbers, whose unit nobody can guess).
 */
export function readDuration(text: string, allowHours = true): string | undefined {
  const trimmed = text.trim().toLowerCase();
  if (GO_DURATION.test(trimmed) && trimmed === text) return undefined;
  const parts = /^(?:\s*(?:,|and)?\s*[0-9]+(?:\.[0-9]+)?\s*[a-z]+)+\s*$/.test(trimmed) ? [...trimmed.matchAll(/([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)/g)] : [];
  if (parts.length === 0) return undefined;
  const totals = new Map<string, number>();
  for (const [, amount, word] of parts) {
    if (word === 'and') return undefined;
    const unit = UNITS[word];
    if (!unit) return undefined;
    totals.set(unit[0], (totals.get(unit[0]) ?? 0) + Number(amount) * unit[1]);
  }
  const duration = ORDER.filter((u) => totals.has(u)).map((u) => `${trimNumber(totals.get(u)!)}${u}`).join('');
  if (!GO_DURATION.test(duration)) return undefined;
  return allowHours ? duration : withoutHours(duration);
}

const trimNumber = (n: number) => String(Math.round(n * 1000) / 1000);
