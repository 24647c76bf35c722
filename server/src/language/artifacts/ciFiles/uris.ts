// URIs. Locations are folder URIs ending in '/' (a file is its URI plus '/', trimmed by callers).

export const SYNTHETIC_WORKSPACE = 'flux-oci-workspace://job/';

export function splitUri(uri: string): { prefix: string; segments: string[] } | undefined {
  const m = /^([a-z][a-z0-9+.-]*:(?:\/\/[^/?#]*)?)(\/[^?#]*)?/i.exec(uri);
  if (!m) return undefined;
  return { prefix: m[1], segments: (m[2] ?? '').split('/').filter((x) => x !== '') };
}

/** `folder` + a relative '/'-separated path, `.` and `..` applied; undefined above the top. */
export function joinPath(folder: string, rel: string): string | undefined {
  const base = splitUri(folder);
  if (!base) return undefined;
  const segments = base.segments;
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length === 0) return undefined;
      segments.pop();
    } else segments.push(encodeURIComponent(part));
  }
  return `${base.prefix}/${segments.join('/')}${segments.length ? '/' : ''}`;
}

export function folderOfUri(uri: string): string {
  return uri.slice(0, uri.lastIndexOf('/') + 1);
}

export function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** How `to` is reached from the folder `from`: `.`, `./kubernetes`, `../apps`. */
export function relativeDisplay(from: string, to: string): string {
  const a = splitUri(from);
  const b = splitUri(to);
  if (!a || !b || a.prefix !== b.prefix) return to;
  let common = 0;
  while (common < a.segments.length && common < b.segments.length && a.segments[common] === b.segments[common]) common++;
  const parts = [...Array<string>(a.segments.length - common).fill('..'), ...b.segments.slice(common).map(decode)];
  if (parts.length === 0) return '.';
  const text = parts.join('/');
  return text.startsWith('..') ? text : `./${text}`;
}
