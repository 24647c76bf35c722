// How a file is named as seen from another (hover and completion texts).

/** Where a file is, as seen from the file being edited: `sources.yaml`, `../infra/sources.yaml`. */
export function relativeName(target: string, from: string): string {
  const t = target.split('/');
  const f = from.split('/').slice(0, -1);
  if (t.length < 2 || t.slice(0, 3).join('/') !== f.slice(0, 3).join('/')) return decodeURIComponent(t[t.length - 1]);
  let common = 0;
  while (common < f.length && common < t.length - 1 && f[common] === t[common]) common++;
  return decodeURIComponent([...Array<string>(f.length - common).fill('..'), ...t.slice(common)].join('/'));
}
