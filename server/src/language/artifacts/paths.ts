// Folder arithmetic on file URIs, for paths written in map files and CI commands.

/** Joins a relative path (`./kubernetes`, `deploy/`, `../x`) to a folder URI ending in `/`; the result ends in `/`. `..` stops at the top. */
export function joinFolder(folder: string, relative: string): string {
  const scheme = folder.match(/^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i)?.[0] ?? '';
  const segments = folder.slice(scheme.length).split('/').filter(Boolean);
  const rel = relative.trim();
  // An absolute path is taken from the top of the folder's scheme (rare in CI: kept as written).
  if (rel.startsWith('/')) segments.length = 0;
  for (const segment of rel.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `${scheme}${segments.join('/')}${segments.length ? '/' : ''}`;
}

/** The path of `uri` relative to `folder` (both file URIs, folder ending in `/`), written `./x/y`; undefined when outside. */
export function relativeTo(folder: string, uri: string): string | undefined {
  if (!uri.startsWith(folder)) return undefined;
  const rest = uri.slice(folder.length).replace(/\/$/, '');
  return rest ? `./${rest}` : '.';
}
