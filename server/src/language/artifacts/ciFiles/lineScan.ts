// The reading of a YAML file that does not parse (or is too large to): line by line.
import type { Session } from './session';
import { Shell } from './shell';
import { githubSubstitute } from './githubActions';
import { gitlabContext } from './gitlabCi';

/** For YAML that does not parse: each line holding a flux command, read alone. */
export function lineScan(s: Session): void {
  const lines = s.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/flux/.test(lines[i])) continue;
    const parts = [lines[i].replace(/^\s*(?:-\s+)?(?:[A-Za-z_][\w-]*\s*:\s*(?:[|>][-+]?\s*)?)?/, '')];
    const start = i;
    while (/\\$/.test(parts[parts.length - 1]) && i + 1 < lines.length) parts.push(lines[++i].trim());
    let text = parts.join('\n');
    if (s.kind === 'github') text = githubSubstitute(s, text, { env: new Map(), matrix: {}, workspace: s.rootWord });
    const shell = new Shell(s, s.kind === 'gitlab' ? gitlabContext(s) : s.plainContext(), new Map(), s.rootWord);
    shell.runScript({ text, lines: parts.map((_, k) => start + k) });
  }
}
