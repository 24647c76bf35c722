// Parsing of WWW-Authenticate challenges (RFC 7235 auth-param syntax), e.g.
// `Bearer realm="https://auth.example/token",service="registry",scope="repository:app:pull"`.

export interface Challenge {
  /** Lower-cased scheme: 'bearer', 'basic', ... */
  scheme: string;
  /** Lower-cased parameter names. */
  params: Record<string, string>;
}

/** Parse a header that may hold several challenges; unknown syntax is skipped, not thrown. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header[i])) i++;
    return header.slice(start, i);
  };
  while (i < n) {
    skipSpace();
    while (i < n && header[i] === ',') {
      i++;
      skipSpace();
    }
    const scheme = readToken();
    if (!scheme) {
      i++;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    // Parameters until the next token that is followed by a space instead of '='.
    for (;;) {
      skipSpace();
      const save = i;
      const name = readToken();
      skipSpace();
      if (!name || header[i] !== '=') {
        i = save;
        break;
      }
      i++;
      skipSpace();
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < n && header[i] !== ',' && header[i] !== ' ') i++;
        value = header.slice(start, i);
      }
      challenge.params[name.toLowerCase()] = value;
      skipSpace();
      if (header[i] === ',') i++;
    }
  }
  return challenges;
}
