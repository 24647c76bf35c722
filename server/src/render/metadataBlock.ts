// kustomize writes every object in one layout: block style, two spaces per level, `metadata:` at
// the left margin. For that layout the metadata block (name, namespace, labels, annotations) is
// read and edited line by line, without building a YAML document: rendering 500 objects must cost
// little beside the engine. Anything outside the layout (flow maps, anchors, tags, quoted keys,
// a multi-line plain value) returns undefined, and the caller uses the YAML library instead.

export interface MetadataBlock {
  name?: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const KEY = /^( {2}| {4})([A-Za-z0-9][\w./-]*): ?(.*)$/;
const PLAIN_SAFE = /^[A-Za-z0-9_./][\w./@:+-]*$/;

/** A scalar as kustomize writes it: plain, 'single' or "double" quoted; undefined if not simple. */
function scalar(raw: string): string | undefined {
  const v = raw.trim();
  if (v === '') return '';
  if (v.startsWith('"')) {
    if (!v.endsWith('"') || v.length < 2) return undefined;
    try {
      return JSON.parse(v) as string;
    } catch {
      return undefined;
    }
  }
  if (v.startsWith("'")) return v.endsWith("'") && v.length >= 2 ? v.slice(1, -1).replace(/''/g, "'") : undefined;
  if (/^[&*!|>{[%@`]/.test(v) || v.includes(' #')) return undefined;
  return v;
}

/** Reads lines [from, to) of a `metadata:` block (the `metadata:` line first). */
export function readMetadataBlock(lines: readonly string[], from: number, to: number): MetadataBlock | undefined {
  const out: MetadataBlock = { labels: {}, annotations: {} };
  let map: 'labels' | 'annotations' | undefined;
  for (let i = from + 1; i < to; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const m = KEY.exec(line);
    if (!m) return undefined;
    const [, indent, key, rest] = m;
    if (indent === '  ') {
      map = undefined;
      if (key === 'labels' || key === 'annotations') {
        if (rest.trim() !== '') return undefined;
        map = key;
      } else if (key === 'name' || key === 'namespace') {
        const value = scalar(rest);
        if (value === undefined) return undefined;
        out[key] = value;
      } else {
        // Another metadata field (generateName, finalizers, ownerReferences…): skip its lines.
        while (i + 1 < to && (lines[i + 1].startsWith('    ') || lines[i + 1].startsWith('  - ') || lines[i + 1].trim() === '')) i++;
      }
      continue;
    }
    if (!map) return undefined;
    if (rest.trim() === '|' || rest.trim() === '|-') {
      // A block scalar (kustomize writes the origin annotation so): its lines are indented deeper.
      const body: string[] = [];
      while (i + 1 < to && (lines[i + 1].startsWith('      ') || lines[i + 1].trim() === '')) body.push(lines[++i].slice(6));
      out[map][key] = `${body.join('\n')}${rest.trim() === '|' ? '\n' : ''}`;
      continue;
    }
    const value = scalar(rest);
    if (value === undefined) return undefined;
    out[map][key] = value;
  }
  return out;
}

const quoted = (v: string) => (PLAIN_SAFE.test(v) && !/^(?:true|false|null|yes|no|on|off|~|[-+]?[\d.]+(?:e[-+]?\d+)?|0x[\da-f]+|0o[0-7]+)$/i.test(v) ? v : JSON.stringify(v));

/**
 * Lines [from, to) of the block with `labels` and `annotations` added; keys already there are
 * replaced, `drop` annotations removed. Undefined when the block is not in kustomize's layout.
 */
export function editMetadataBlock(lines: readonly string[], from: number, to: number, labels: Record<string, string>, annotations: Record<string, string>, drop: readonly string[]): string[] | undefined {
  const read = readMetadataBlock(lines, from, to);
  if (!read) return undefined;
  const block = lines.slice(from, to);
  while (block.length > 1 && block[block.length - 1].trim() === '') block.pop();
  const sections: Array<['labels' | 'annotations', Record<string, string>]> = [['labels', labels], ['annotations', annotations]];
  for (const [section, add] of sections) {
    const merged: Record<string, string> = { ...read[section], ...add };
    for (const key of section === 'annotations' ? drop : []) delete merged[key];
    const start = block.findIndex((l) => l === `  ${section}:`);
    let end = start + 1;
    if (start >= 0) while (end < block.length && (block[end].startsWith('    ') || block[end].trim() === '')) end++;
    const written = Object.entries(merged).flatMap(([k, v]) => v.includes('\n')
      ? [`    ${k}: |${v.endsWith('\n') ? '' : '-'}`, ...v.replace(/\n$/, '').split('\n').map((l) => (l ? `      ${l}` : ''))]
      : [`    ${k}: ${quoted(v)}`]);
    const replacement = written.length ? [`  ${section}:`, ...written] : [];
    if (start >= 0) block.splice(start, end - start, ...replacement);
    else block.push(...replacement);
  }
  return block;
}
