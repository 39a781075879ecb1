import ipaddr from 'ipaddr.js';
import type { Indicator } from '../../domain/indicator.js';
import { buildDomainIndex, type DomainIndex } from '../../match/domain-index.js';
import { buildIpIndex, type IpIndex } from '../../match/ip-index.js';
import { normaliseAny } from '../../net/normalise.js';
import { normaliseCidr } from '../../net/cidr.js';
import { normaliseDomain } from '../../net/domain.js';
import { isPublicSuffix } from '../../net/public-suffix.js';
import type { AllowEntry, Allowlist, AllowMode, AllowVerdict } from './entry.js';

/** Answers "must this indicator not be blocked, and because of which list and entry?" */
export type AllowChecker = { check(indicator: Indicator): AllowVerdict | undefined };

/** A checker for the lists, plus one line per entry that could not be used (bad CIDR, bad regex…). */
export type CompiledAllowlists = { checker: AllowChecker; problems: string[] };

type Group = {
  exact: Map<string, AllowVerdict>;
  hostnames: DomainIndex<AllowVerdict>;
  networks: IpIndex<AllowVerdict>;
  /** For CIDR indicators: an indicator network that contains an allowlisted one would block it too. */
  networkList: { range: [ipaddr.IPv4 | ipaddr.IPv6, number]; verdict: AllowVerdict }[];
  regexes: { re: RegExp; verdict: AllowVerdict }[];
  substrings: { text: string; verdict: AllowVerdict }[];
};

export function compileAllowlists(
  lists: Allowlist[],
  options: { publicSuffixes: boolean } = { publicSuffixes: true },
): CompiledAllowlists {
  const problems: string[] = [];
  const group = (mode: AllowMode) =>
    compileGroup(
      lists.filter((l) => l.mode === mode),
      problems,
    );
  // Suppression is checked before review flags: an indicator that is both is suppressed.
  const groups = [group('block'), group('inform')];

  const checker: AllowChecker = {
    check(indicator) {
      if (options.publicSuffixes && indicator.type === 'domain' && isPublicSuffix(indicator.value)) {
        return { list: 'builtin:public-suffix', entry: indicator.value, mode: 'block' };
      }
      for (const g of groups) {
        const verdict = checkGroup(g, indicator);
        if (verdict) return verdict;
      }
      return undefined;
    },
  };
  return { checker, problems };
}

function compileGroup(lists: Allowlist[], problems: string[]): Group {
  const exact = new Map<string, AllowVerdict>();
  const hostnames: { domain: string; value: AllowVerdict }[] = [];
  const networks: { network: string; value: AllowVerdict }[] = [];
  const networkList: Group['networkList'] = [];
  const regexes: Group['regexes'] = [];
  const substrings: Group['substrings'] = [];
  for (const list of lists) {
    for (const entry of list.entries) {
      const verdict: AllowVerdict = { list: list.name, entry: `${entry.kind}:${entry.value}`, mode: list.mode };
      const problem = addEntry(entry, verdict, { exact, hostnames, networks, networkList, regexes, substrings });
      if (problem) problems.push(`allowlist ${list.name}: ${entry.kind} "${entry.value}": ${problem}`);
    }
  }
  return {
    exact,
    hostnames: buildDomainIndex(hostnames),
    networks: buildIpIndex(networks),
    networkList,
    regexes,
    substrings,
  };
}

function addEntry(
  entry: AllowEntry,
  verdict: AllowVerdict,
  into: {
    exact: Map<string, AllowVerdict>;
    hostnames: { domain: string; value: AllowVerdict }[];
    networks: { network: string; value: AllowVerdict }[];
    networkList: Group['networkList'];
    regexes: Group['regexes'];
    substrings: Group['substrings'];
  },
): string | undefined {
  switch (entry.kind) {
    case 'exact': {
      const n = normaliseAny(entry.value);
      into.exact.set(n.ok ? n.indicator.value : entry.value.trim(), verdict);
      return undefined;
    }
    case 'hostname': {
      const n = normaliseDomain(entry.value.replace(/^\*\./, '').replace(/^\./, ''));
      if (!n.ok) return n.reason;
      into.hostnames.push({ domain: n.indicator.value, value: verdict });
      return undefined;
    }
    case 'cidr': {
      const n = normaliseCidr(
        entry.value.includes('/') ? entry.value : `${entry.value}/${entry.value.includes(':') ? 128 : 32}`,
      );
      if (!n.ok) return n.reason;
      const text =
        n.indicator.type === 'cidr'
          ? n.indicator.value
          : `${n.indicator.value}/${n.indicator.type === 'ipv6' ? 128 : 32}`;
      into.networks.push({ network: n.indicator.value, value: verdict });
      into.networkList.push({ range: ipaddr.parseCIDR(text), verdict });
      return undefined;
    }
    case 'regex': {
      try {
        into.regexes.push({ re: new RegExp(entry.value, 'i'), verdict });
        return undefined;
      } catch (err) {
        return `not a valid regular expression: ${(err as Error).message}`;
      }
    }
    case 'substring':
      if (entry.value.trim() === '') return 'an empty substring would match everything';
      into.substrings.push({ text: entry.value.trim().toLowerCase(), verdict });
      return undefined;
  }
}

function checkGroup(g: Group, indicator: Indicator): AllowVerdict | undefined {
  const { type, value } = indicator;
  const exact = g.exact.get(value);
  if (exact) return exact;
  for (const r of g.regexes) if (r.re.test(value)) return r.verdict;
  const lower = value.toLowerCase();
  for (const s of g.substrings) if (lower.includes(s.text)) return s.verdict;

  switch (type) {
    case 'domain':
      return g.hostnames.lookup(value)?.value;
    case 'ipv4':
    case 'ipv6':
      return g.networks.lookup(value)?.value;
    case 'cidr':
      return checkNetwork(g, value);
    case 'ip-port':
      return g.networks.lookup(
        value.startsWith('[') ? value.slice(1, value.indexOf(']')) : value.slice(0, value.lastIndexOf(':')),
      )?.value;
    case 'url': {
      let host: string;
      try {
        host = new URL(value).hostname;
      } catch {
        return undefined;
      }
      if (host.startsWith('[')) return g.networks.lookup(host.slice(1, -1))?.value;
      return /^[\d.]+$/.test(host)
        ? g.networks.lookup(host)?.value
        : (g.exact.get(host) ?? g.hostnames.lookup(host)?.value);
    }
    case 'email': {
      const domain = value.slice(value.lastIndexOf('@') + 1);
      return g.exact.get(domain) ?? g.hostnames.lookup(domain)?.value;
    }
    default:
      return undefined;
  }
}

/** A CIDR indicator is allowlisted if it lies inside an allowlisted network or contains one (it would block it). */
function checkNetwork(g: Group, value: string): AllowVerdict | undefined {
  const inside = g.networks.lookup(value.slice(0, value.indexOf('/')));
  const [address, length] = ipaddr.parseCIDR(value);
  if (inside) {
    const [, allowedLength] = ipaddr.parseCIDR(
      inside.network.includes('/') ? inside.network : `${inside.network}/${inside.network.includes(':') ? 128 : 32}`,
    );
    if (allowedLength <= length) return inside.value;
  }
  for (const n of g.networkList) {
    const [allowed, allowedLength] = n.range;
    if (allowed.kind() === address.kind() && allowedLength >= length && allowed.match(address, length))
      return n.verdict;
  }
  return undefined;
}
