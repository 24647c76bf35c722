// Parsing and normalisation of image/artifact references such as
// `oci://ghcr.io/org/app:v1`, `localhost:5000/app@sha256:…` or `nginx`.
// The grammar follows the OCI distribution specification; Docker Hub
// defaults (docker.io, library/) are applied the way docker and flux do.

export const DOCKER_HUB = 'docker.io';
/** The host that actually serves the Docker Hub registry API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[a-fA-F0-9:.]+\]$/;
const MAX_NAME_LENGTH = 255;

export class InvalidReferenceError extends Error {
  /** The text as given, except that anything shaped like `user:password@` is masked. */
  readonly input: string;
  constructor(input: string, reason: string) {
    const shown = withoutUserInfo(input);
    super(`invalid reference "${shown}": ${reason}`);
    this.input = shown;
    this.name = 'InvalidReferenceError';
  }
}

/**
 * Mask a `user[:password]@` part before the first slash, so that a reference
 * pasted with credentials never repeats them in a message.
 */
function withoutUserInfo(text: string): string {
  return text.replace(/^((?:[a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?)([^/@]*)@(?=[^/]*\/|[^/]*$)(?![a-z0-9]+:[a-zA-Z0-9=_-]+$)/, (_all, scheme: string) => `${scheme}***@`);
}

export class Reference {
  constructor(
    readonly registry: string,
    readonly repository: string,
    readonly tag?: string,
    readonly digest?: string,
  ) {}

  /** What to ask the registry for: the digest when pinned, else the tag, else `latest`. */
  get reference(): string {
    return this.digest ?? this.tag ?? 'latest';
  }

  withTag(tag: string): Reference {
    if (!TAG.test(tag)) throw new InvalidReferenceError(tag, 'a tag must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}');
    return new Reference(this.registry, this.repository, tag, undefined);
  }

  /** Pinned to a digest; a tag is kept for display (the digest is what gets fetched). */
  withDigest(digest: string): Reference {
    validateDigest(digest, digest);
    return new Reference(this.registry, this.repository, this.tag, digest);
  }

  /** Same registry and repository, no tag or digest. */
  get repositoryReference(): Reference {
    return new Reference(this.registry, this.repository);
  }

  toString(): string {
    let text = `${this.registry}/${this.repository}`;
    if (this.tag !== undefined) text += `:${this.tag}`;
    if (this.digest !== undefined) text += `@${this.digest}`;
    return text;
  }
}

/** Parse a reference; throws InvalidReferenceError naming the offending part. */
export function parseReference(text: string): Reference {
  const input = text;
  let rest = text.trim();
  if (rest === '') throw new InvalidReferenceError(input, 'it is empty');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(rest);
  if (scheme) {
    if (scheme[1].toLowerCase() !== 'oci') {
      throw new InvalidReferenceError(input, `only the oci:// scheme is understood, not ${scheme[1]}://`);
    }
    rest = rest.slice(scheme[0].length);
  }

  // `user:password@host/repo` is a URL habit; references carry no credentials.
  const firstSlash = rest.indexOf('/');
  const userInfoAt = rest.indexOf('@');
  if (userInfoAt >= 0 && (firstSlash < 0 || userInfoAt < firstSlash) && firstSlash >= 0) {
    throw new InvalidReferenceError(input, 'credentials do not belong in a reference; pass them with --creds or a Docker login');
  }

  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    validateDigest(input, digest);
  }

  let registry = DOCKER_HUB;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      registry = validateHost(input, first);
      rest = rest.slice(slash + 1);
    }
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw new InvalidReferenceError(input, `tag "${tag}" must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}`);
    }
  }

  if (rest === '') throw new InvalidReferenceError(input, 'the repository name is missing');
  const components = rest.split('/');
  for (const component of components) {
    if (component === '') throw new InvalidReferenceError(input, 'the repository path has an empty component');
    if (!PATH_COMPONENT.test(component)) {
      const hint = component !== component.toLowerCase() ? ' (repository names must be lower case)' : '';
      throw new InvalidReferenceError(input, `repository path component "${component}" is not allowed${hint}`);
    }
  }
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API_HOST) registry = DOCKER_HUB;
  let repository = rest;
  if (registry === DOCKER_HUB && components.length === 1) repository = `library/${repository}`;
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH) {
    throw new InvalidReferenceError(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return new Reference(registry, repository, tag, digest);
}

function validateDigest(input: string, digest: string): void {
  const match = DIGEST.exec(digest);
  if (!match) throw new InvalidReferenceError(input, `digest "${digest}" must look like sha256:<64 hex digits>`);
  if (match[1] === 'sha256' && !/^[a-f0-9]{64}$/.test(match[2])) {
    throw new InvalidReferenceError(input, 'a sha256 digest needs exactly 64 lower-case hex digits');
  }
  if (match[1] === 'sha512' && !/^[a-f0-9]{128}$/.test(match[2])) {
    throw new InvalidReferenceError(input, 'a sha512 digest needs exactly 128 lower-case hex digits');
  }
}

function validateHost(input: string, host: string): string {
  let name = host;
  let port: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) throw new InvalidReferenceError(input, `registry host "${host}" has an unclosed [`);
    name = host.slice(0, close + 1);
    const after = host.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw new InvalidReferenceError(input, `registry host "${host}" is malformed`);
      port = after.slice(1);
    }
    if (!IPV6_HOST.test(name)) throw new InvalidReferenceError(input, `registry host "${host}" is not a valid IPv6 address`);
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) {
      name = host.slice(0, colon);
      port = host.slice(colon + 1);
    }
    if (name === '' || !name.split('.').every((label) => HOST_LABEL.test(label))) {
      throw new InvalidReferenceError(input, `registry host "${name}" is not a valid host name`);
    }
  }
  if (port !== undefined && (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw new InvalidReferenceError(input, `registry port "${port}" must be a number from 1 to 65535`);
  }
  return `${name.toLowerCase()}${port !== undefined ? `:${port}` : ''}`;
}

/** The host:port to talk to for a registry name (Docker Hub's API lives elsewhere). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** True for localhost, 127.0.0.0/8 and [::1], with or without a port. */
export function isLoopbackHost(host: string): boolean {
  let name = host;
  if (name.startsWith('[')) name = name.slice(0, name.indexOf(']') + 1);
  else if (name.includes(':')) name = name.slice(0, name.lastIndexOf(':'));
  name = name.toLowerCase();
  if (name === 'localhost' || name === '[::1]' || name === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}
