import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { installFiles, runCommand } from './files.js';
import { collapseNetworks } from './nftables.js';
import type { EnforcementPoint, RenderContext } from './point.js';
import { entryKey, type PolicyEntry, type PolicySnapshot } from './snapshot.js';

// The forward-proxy point: ACL files and a snippet for Squid (5 and later).
//
// For operators
// -------------
// Include the snippet in squid.conf before your first `http_access` line (squid stops at the first
// http_access rule that matches, so rules after your `allow` would never run):
//
//   include /var/lib/mizugiwa/squid/mizugiwa.conf
//
// and reload with the configured command (`squid -k reconfigure`). A listed name (and every name under
// it) or a listed address is denied; with a block page (enforce.squid.deny_url, or the sinkhole) the
// browser is sent there with a 302 whose `blocked` parameter is the host (squid's %H). An address
// matches both a literal address in the URL and a name that resolves to it. Names allowlisted under a
// listed parent (the snapshot's passthru) are never denied.
//
// Squid 5 has no "log instead of deny" action, so monitor mode is a second access_log filtered by the
// ACLs: every request to a listed name or address, denied or not, is written to SQUID_LOG in squid's
// native format. In monitor mode (enforce.monitor, enforce.squid.monitor, or entries whose action is
// monitor) nothing is denied and the log is how the operator sees what would have been. The log lives
// in squid's own log directory because squid must be able to write it (it exits when it cannot open a
// log on reconfigure), and because the squid package's logrotate rotates /var/log/squid/*.log.
//
// `squid -k reconfigure` only signals the running squid and succeeds even when the new files will make
// it exit. So when the reload command is `squid … -k reconfigure …`, apply first runs the same command
// with `-k parse`, and a configuration squid refuses is rolled back before squid ever reads it.

export const SQUID_FILES = {
  snippet: 'mizugiwa.conf',
  domains: 'mizugiwa-domains.acl',
  ips: 'mizugiwa-ips.acl',
  monitorDomains: 'mizugiwa-monitor-domains.acl',
  monitorIps: 'mizugiwa-monitor-ips.acl',
  passthru: 'mizugiwa-passthru.acl',
} as const;

/** Where squid logs requests that touch a listed name or address (see above for why this directory). */
export const SQUID_LOG = '/var/log/squid/mizugiwa.log';

// Squid 5 accepts an empty ACL file but warns "empty ACL" on every reconfigure, which reads like a
// fault to whoever looks in cache.log; a placeholder that cannot match keeps it quiet. `.invalid` is
// reserved never to resolve (RFC 6761), and 255.255.255.255 (limited broadcast) is never the
// destination of a TCP connection.
const NO_DOMAIN = '.invalid';
const NO_ADDRESS = '255.255.255.255';

const CARRIED = new Set<PolicyEntry['type']>(['domain', 'ipv4', 'ipv6', 'cidr']);

/** The directory of the ACL files and the snippet: configured (relative under the data dir), or `<data_dir>/squid`. */
export function squidDir(context: Pick<RenderContext, 'config' | 'dataDir'>): string {
  const configured = context.config.enforce.squid.dir;
  return configured ? resolve(context.dataDir, configured) : join(context.dataDir, 'squid');
}

/**
 * Names as dstdomain patterns: `.name` covers the name and everything under it, so a name under
 * another listed name is left out: squid 5 warns "is a subdomain of" when it follows its parent and
 * refuses the whole configuration when it comes first.
 */
export function domainPatterns(names: Iterable<string>): string[] {
  const all = new Set(names);
  const kept: string[] = [];
  for (const name of all) {
    const labels = name.split('.');
    let covered = false;
    for (let i = 1; i < labels.length && !covered; i++) covered = all.has(labels.slice(i).join('.'));
    if (!covered) kept.push(`.${name}`);
  }
  return kept.sort();
}

/** The block page URL for deny_info, or undefined when there is none (squid then shows its own 403 page). */
export function denyUrl(config: Config): string | undefined {
  const { squid, sinkhole } = config.enforce;
  if (squid.deny_url) return squid.deny_url;
  if (!sinkhole.enabled) return undefined;
  return `http://${sinkhole.listen}/?blocked=%H`;
}

function aclFile(lines: string[], placeholder: string): string {
  const body = lines.length > 0 ? lines : [placeholder];
  return ['# Written by Mizugiwa (enforce.squid); every publish replaces it.', ...body, ''].join('\n');
}

type Lists = { domains: string[]; ips: string[]; monitorDomains: string[]; monitorIps: string[]; passthru: string[] };

function lists(snapshot: PolicySnapshot, monitorAll: boolean): Lists {
  const pick = (action: PolicyEntry['action'], types: PolicyEntry['type'][]) =>
    snapshot.entries
      .filter((e) => types.includes(e.type) && (monitorAll ? 'monitor' : e.action) === action)
      .map((e) => e.value);
  const networks = (values: string[]) => {
    const n = collapseNetworks(values);
    return [...n.v4, ...n.v6];
  };
  const ipTypes: PolicyEntry['type'][] = ['ipv4', 'ipv6', 'cidr'];
  return {
    domains: domainPatterns(pick('block', ['domain'])),
    ips: networks(pick('block', ipTypes)),
    monitorDomains: domainPatterns(pick('monitor', ['domain'])),
    monitorIps: networks(pick('monitor', ipTypes)),
    passthru: domainPatterns(snapshot.passthru),
  };
}

function snippet(dir: string, config: Config, monitorAll: boolean): string {
  const path = (file: string) => `"${join(dir, file)}"`;
  const url = denyUrl(config);
  const lines = [
    '# Written by Mizugiwa (enforce.squid); every publish replaces it.',
    '# Include it from squid.conf before your first http_access line.',
    '',
    `acl mizugiwa_domains dstdomain ${path(SQUID_FILES.domains)}`,
    `acl mizugiwa_ips dst ${path(SQUID_FILES.ips)}`,
    `acl mizugiwa_monitor_domains dstdomain ${path(SQUID_FILES.monitorDomains)}`,
    `acl mizugiwa_monitor_ips dst ${path(SQUID_FILES.monitorIps)}`,
    `acl mizugiwa_passthru dstdomain ${path(SQUID_FILES.passthru)}`,
    'acl mizugiwa_hits any-of mizugiwa_domains mizugiwa_ips mizugiwa_monitor_domains mizugiwa_monitor_ips',
    'acl mizugiwa_request has request',
    '',
    "# Every request to a listed name or address, denied or only watched, in squid's native format.",
    '# mizugiwa_request first: a connection closed before its request is logged too, and a dstdomain',
    '# test on it would warn "ACL is used in context without an HTTP request" each time.',
    `access_log daemon:${SQUID_LOG} logformat=squid mizugiwa_request mizugiwa_hits !mizugiwa_passthru`,
  ];
  if (monitorAll) {
    lines.push('', '# Monitor mode (enforce.monitor or enforce.squid.monitor): nothing is denied.');
  } else {
    // deny_info belongs to the last ACL on the denying line, so the passthru test comes first.
    lines.push(
      '',
      'http_access deny !mizugiwa_passthru mizugiwa_domains',
      'http_access deny !mizugiwa_passthru mizugiwa_ips',
    );
    if (url) lines.push(`deny_info ${url} mizugiwa_domains`, `deny_info ${url} mizugiwa_ips`);
  }
  lines.push('');
  return lines.join('\n');
}

/** The ACL files and the snippet for a snapshot (pure: same snapshot and config, same bytes). */
export function renderSquidFiles(
  snapshot: PolicySnapshot,
  context: Pick<RenderContext, 'config' | 'dataDir'>,
): { path: string; content: string }[] {
  const { config } = context;
  const monitorAll = config.enforce.monitor || config.enforce.squid.monitor;
  const dir = squidDir(context);
  const l = lists(snapshot, monitorAll);
  return [
    { path: join(dir, SQUID_FILES.domains), content: aclFile(l.domains, NO_DOMAIN) },
    { path: join(dir, SQUID_FILES.ips), content: aclFile(l.ips, NO_ADDRESS) },
    { path: join(dir, SQUID_FILES.monitorDomains), content: aclFile(l.monitorDomains, NO_DOMAIN) },
    { path: join(dir, SQUID_FILES.monitorIps), content: aclFile(l.monitorIps, NO_ADDRESS) },
    { path: join(dir, SQUID_FILES.passthru), content: aclFile(l.passthru, NO_DOMAIN) },
    { path: join(dir, SQUID_FILES.snippet), content: snippet(dir, config, monitorAll) },
  ];
}

/** `squid … -k parse …` for a reload command `squid … -k reconfigure …`; undefined for anything else. */
export function parseCommandFor(reloadCommand: string): string | undefined {
  const pattern = /(^|\s)-k\s+reconfigure(?=\s|$)/;
  if (!/(^|[\s/])squid(\s|$)/.test(reloadCommand) || !pattern.test(reloadCommand)) return undefined;
  return reloadCommand.replace(pattern, '$1-k parse');
}

export const squidPoint: EnforcementPoint = {
  name: 'squid',
  render(snapshot, context) {
    const keys = [
      ...snapshot.entries.filter((e) => CARRIED.has(e.type)).map(entryKey),
      ...snapshot.passthru.map((name) => `passthru ${name}`),
    ];
    return { point: 'squid', keys: keys.sort(), files: renderSquidFiles(snapshot, context) };
  },
  async apply(artifact, context) {
    const command = context.config.enforce.squid.reload_command;
    const check = parseCommandFor(command);
    if (check && !existsSync(dirname(SQUID_LOG))) {
      throw new Error(
        `${dirname(SQUID_LOG)} does not exist: squid would exit on reconfigure, unable to open ${SQUID_LOG}`,
      );
    }
    await installFiles(artifact.files, async () => {
      if (check) await runCommand(check);
      if (command) await runCommand(command);
    });
  },
};
