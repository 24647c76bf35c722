// Command-line flag parsing shared by the CLI verbs, shaped like the cobra flags flux users type:
// `--flag value` and `--flag=value`, short flags (`-a k=v`, `-o json`), repeatable flags,
// comma-separated lists (`--ignore-paths "*.md,bin/"`), booleans with an optional `=true|false`,
// and `--` to end the flags.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** The canonical long name, with dashes: `--annotations`. */
  name: string;
  /** Other spellings accepted for the same flag: `-a`, `--annotation`. */
  aliases?: readonly string[];
  /** Takes a value (else a boolean switch). */
  value?: boolean;
  /** May be given more than once (values accumulate). */
  repeat?: boolean;
  /** A value is a comma-separated list (cobra's StringSlice). */
  list?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  /** Values by canonical flag name; booleans hold 'true' or 'false'. */
  values: Map<string, string[]>;
  /** True when `--help`/`-h` was given. */
  help: boolean;
}

export function parseArgs(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    for (const alias of spec.aliases ?? []) byName.set(alias, spec);
  }
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option ${name}`);
    let raw: string;
    if (!spec.value) {
      if (eq > 0) {
        const text = arg.slice(eq + 1).toLowerCase();
        if (text !== 'true' && text !== 'false') throw new UsageError(`${name} takes no value (or =true / =false)`);
        raw = text;
      } else raw = 'true';
    } else if (eq > 0) raw = arg.slice(eq + 1);
    else {
      if (i + 1 >= args.length) throw new UsageError(`${name} needs a value`);
      raw = args[++i];
    }
    const previous = values.get(spec.name);
    if (previous && spec.value && !spec.repeat && !spec.list) throw new UsageError(`${spec.name} may be given only once`);
    const added = spec.list ? raw.split(',').map((s) => s.trim()).filter((s) => s !== '') : [raw];
    values.set(spec.name, spec.value ? [...(previous ?? []), ...added] : added);
  }
  return { positionals, values, help };
}

/** The single value of a flag, if given. */
export function flagValue(parsed: ParsedArgs, name: string): string | undefined {
  const values = parsed.values.get(name);
  return values?.[values.length - 1];
}

export function flagValues(parsed: ParsedArgs, name: string): string[] {
  return parsed.values.get(name) ?? [];
}

export function flagSet(parsed: ParsedArgs, name: string): boolean {
  return flagValue(parsed, name) === 'true';
}

/** `key=value` pairs (annotations); a missing `=` is a usage error naming the flag. */
export function keyValues(values: readonly string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} takes key=value, got "${value}"`);
    result[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return result;
}
