// The CRD patterns users meet, described in words (for messages and hover).

export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
export const DURATION_NO_HOURS_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$';

const WORDS: Record<string, string> = {
  [DURATION_PATTERN]: 'a Go duration: numbers with ms, s, m or h units, such as 30s, 5m or 1h30m',
  [DURATION_NO_HOURS_PATTERN]: 'a Go duration in ms, s or m units only (no hours), such as 30s or 5m',
  '^oci://.*$': 'a URL that starts with oci://',
  '^(http|https|ssh)://.*$': 'a URL that starts with http://, https:// or ssh://',
  '^(http|https|oci)://.*$': 'a URL that starts with http://, https:// or oci://',
  '^(http|https)://.*$': 'a URL that starts with http:// or https://',
  '^[\\-._a-zA-Z0-9]+$': 'letters, digits, dots, dashes and underscores only',
  '^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$': 'a dotted values path (letters, digits, _ - . / and [index])',
};

export function describePattern(pattern: string): string {
  return WORDS[pattern] ?? `text matching the regular expression ${pattern}`;
}

/** The whole-value regular expression of a Go duration (any unit). */
export const GO_DURATION = new RegExp(DURATION_PATTERN);

/**
 * A Go duration with hours rewritten in minutes (`1h30m` → `90m`, `2h` → `120m`), for fields
 * whose pattern has no hours; undefined when the text is not a duration.
 */
export function withoutHours(duration: string): string | undefined {
  if (!GO_DURATION.test(duration)) return undefined;
  let minutes = 0;
  let rest = '';
  for (const [, amount, unit] of duration.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    if (unit === 'h') minutes += Number(amount) * 60;
    else if (unit === 'm') minutes += Number(amount);
    else rest += `${amount}${unit}`;
  }
  const whole = Number.isInteger(minutes) ? `${minutes}m` : `${Math.round(minutes * 60)}s`;
  return minutes > 0 ? `${whole}${rest}` : rest;
}
