// The source URL recorded in an artifact is read by anyone who can pull it: a Git remote such as
// `https://x-access-token:<token>@github.com/org/repo.git` (common in CI) must lose its user info.

/** The URL without `user[:password]@`; other text is returned as it is. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, '$1');
}
