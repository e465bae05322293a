import os from 'node:os';

/** Names that always mean this machine. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The `Host` values a server answers to: the loopback names, the address it listens on, and the
 * names its operator adds (lgt serve --allowed-host). Listening on every interface (0.0.0.0, ::),
 * also this machine's name and its interfaces' addresses. Anything else is refused, so a page
 * from elsewhere that re-points its own name at 127.0.0.1 (DNS rebinding) reads nothing.
 */
export function allowedHosts(listenHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set([...LOOPBACK_NAMES, ...extra].map(normalize));
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    names.add(normalize(os.hostname()));
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? []) names.add(normalize(a.address));
  } else {
    names.add(normalize(listenHost));
  }
  return names;
}

/** A Host header's name without its port ("[::1]:8080" -> "::1"); null when there is none. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 1 ? normalize(value.slice(1, end)) : null;
  }
  // One colon: name:port. More: a bare IPv6 address (no port can follow it unbracketed).
  const colons = value.split(':').length - 1;
  const name = colons === 1 ? value.slice(0, value.indexOf(':')) : value;
  return name ? normalize(name) : null;
}

/** Names compare without case and without a trailing dot ("LocalHost." is "localhost"). */
function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
