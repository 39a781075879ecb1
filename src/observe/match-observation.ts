import type { Observation } from '../domain/observation.js';
import type { Match, Matcher } from '../match/matcher.js';

/**
 * Every indicator one observation meets, each once: the name asked for (by label suffix), the URL
 * requested, the addresses reached or resolved (with the port, for ip:port indicators), the mail
 * sender (address, then its domain), and the client address itself — a subscriber's own address
 * listed as a bot or scanner is worth a sighting as much as what it reached.
 * Matches are pushed to `out` (cleared first) so that the hot loop allocates no array per observation.
 */
export function matchObservation<T>(observation: Observation, matcher: Matcher<T>, out: Match<T>[]): Match<T>[] {
  out.length = 0;
  const { domain, url, addresses, email } = observation;
  if (domain !== undefined) push(out, matcher.domain(domain));
  if (url !== undefined) push(out, matcher.url(url));
  if (addresses !== undefined) {
    const port = observation.port;
    for (const address of addresses)
      push(out, port === undefined ? matcher.ip(address) : matcher.ipPort(address, port));
  }
  if (email !== undefined) push(out, matcher.email(email, { domainFallback: true }));
  // Skipped when nothing listed is an address: most lines then cost one name lookup and no more.
  if (matcher.counts.networks > 0) push(out, matcher.ip(observation.client));
  return out;
}

function push<T>(out: Match<T>[], match: Match<T> | undefined): void {
  if (match !== undefined && !out.some((m) => m.ref === match.ref)) out.push(match);
}
