import type { Observation } from '../domain/observation.js';
import type { Matcher } from '../match/matcher.js';

/**
 * Every indicator one observation meets, each once: the name asked for (by label suffix), the URL
 * requested, the addresses reached or resolved (with the port, for ip:port indicators), the mail
 * sender (address, then its domain), and the client address itself — a subscriber's own address
 * listed as a bot or scanner is worth a sighting as much as what it reached.
 * Refs are pushed to `out` (cleared first) so that the hot loop allocates no array per observation.
 */
export function matchObservation<T>(observation: Observation, matcher: Matcher<T>, out: T[]): T[] {
  out.length = 0;
  const { domain, url, addresses, email } = observation;
  if (domain !== undefined) push(out, matcher.domain(domain)?.ref);
  if (url !== undefined) push(out, matcher.url(url)?.ref);
  if (addresses !== undefined) {
    const port = observation.port;
    for (const address of addresses) {
      push(out, port === undefined ? matcher.ip(address)?.ref : matcher.ipPort(address, port)?.ref);
    }
  }
  if (email !== undefined) push(out, matcher.email(email, { domainFallback: true })?.ref);
  // Skipped when nothing listed is an address: most lines then cost one name lookup and no more.
  if (matcher.counts.networks > 0) push(out, matcher.ip(observation.client)?.ref);
  return out;
}

function push<T>(out: T[], ref: T | undefined): void {
  if (ref !== undefined && !out.includes(ref)) out.push(ref);
}
