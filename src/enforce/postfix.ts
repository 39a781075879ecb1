import { existsSync, linkSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { installFiles, runCommand, writeFileAtomic } from './files.js';
import { collapseNetworks } from './nftables.js';
import type { Artifact, EnforcementPoint, RenderContext } from './point.js';
import { entryKey, type PolicyEntry, type PolicySnapshot } from './snapshot.js';

// The mail point: access(5) maps for Postfix's smtpd.
//
// For operators
// -------------
// Postfix's main.cf has no include, so copy the two lines of mizugiwa-main.cf into main.cf once (or
// run the `postconf -e` commands it shows). If you already set smtpd_client_restrictions or
// smtpd_sender_restrictions, put the check first in your list: a `permit…` before it would end the
// list before the check runs. The maps change with every publish; main.cf never has to.
//
//   mizugiwa_client_access.cidr  listed addresses and prefixes (IPv4 and IPv6), for
//                                check_client_access. A cidr map is read as text when smtpd starts,
//                                so it needs no postmap, only `postfix reload`.
//   mizugiwa_sender_access       listed email addresses (user@domain) and domains, for
//                                check_sender_access; a hash map, compiled to .db by postmap. Each
//                                domain is listed as `domain` and `.domain`: which of the two matches
//                                subdomains depends on parent_domain_matches_subdomains (access(5)),
//                                and with both the answer is the same either way.
//
// A listed client or sender gets `REJECT <enforce.postfix.reject_reason>`, which postfix sends as
// "554 5.7.1 <…>: Client host rejected: <reason>" (554 is access_map_reject_code; postfix adds 5.7.1).
//
// Monitor: entries to watch, and every entry in monitor mode, get the access(5) action `WARN`, which
// logs "warn: … mizugiwa monitor: <reason>" and lets the mail through. That is warn_if_reject's effect,
// decided per entry instead of per restriction list: a map mixes blocked and watched entries, and
// switching the point to monitor mode needs no edit of main.cf. In the cidr map, REJECT lines come
// before WARN lines because a cidr map answers with the first line that matches.
//
// postmap rewrites a .db in place, and a failed reload after it would leave the new .db with the old
// source. So apply compiles a copy (`mizugiwa_sender_access.next` → `.next.db`) and renames the result
// over the live .db (readers see the old or the new table, never a part; postfix daemons notice the
// replaced file and restart), keeping a link to the old .db until `postfix reload` has succeeded.

export const POSTFIX_FILES = {
  clients: 'mizugiwa_client_access.cidr',
  senders: 'mizugiwa_sender_access',
  mainCf: 'mizugiwa-main.cf',
} as const;

const CARRIED = new Set<PolicyEntry['type']>(['ipv4', 'ipv6', 'cidr', 'email', 'domain']);

/** The directory of the maps: configured (relative under the data dir), or `<data_dir>/postfix`. */
export function postfixDir(context: Pick<RenderContext, 'config' | 'dataDir'>): string {
  const configured = context.config.enforce.postfix.dir;
  return configured ? resolve(context.dataDir, configured) : join(context.dataDir, 'postfix');
}

/** The reason as one line of printable text: a map line ends at the newline, and the text is an SMTP reply. */
function reason(config: Config): string {
  const text = [...config.enforce.postfix.reject_reason]
    .map((c) => (c < ' ' || c === '\x7f' ? ' ' : c))
    .join('')
    .replace(/ +/g, ' ')
    .trim();
  return text || 'listed by Mizugiwa threat intelligence';
}

function actions(config: Config): { block: string; monitor: string } {
  const why = reason(config);
  return { block: `REJECT ${why}`, monitor: `WARN mizugiwa monitor: ${why}` };
}

const HEADER = '# Written by Mizugiwa (enforce.postfix); every publish replaces it.';

function clientMap(snapshot: PolicySnapshot, config: Config, monitorAll: boolean): string {
  const act = actions(config);
  const ipTypes: PolicyEntry['type'][] = ['ipv4', 'ipv6', 'cidr'];
  const networks = (action: PolicyEntry['action']) => {
    const values = snapshot.entries
      .filter((e) => ipTypes.includes(e.type) && (monitorAll ? 'monitor' : e.action) === action)
      .map((e) => e.value);
    const n = collapseNetworks(values);
    return [...n.v4, ...n.v6];
  };
  const lines = [
    HEADER,
    ...networks('block').map((n) => `${n} ${act.block}`),
    ...networks('monitor').map((n) => `${n} ${act.monitor}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The hash map's keys: postmap folds keys to lower case, so `Bad@x` and `bad@x` are one key, and a
 * block wins over a monitor for it. A key starting with `#` would be read as a comment: such
 * addresses are left out (and out of the artifact's keys).
 */
function senderKeys(snapshot: PolicySnapshot, monitorAll: boolean): Map<string, PolicyEntry['action']> {
  const keys = new Map<string, PolicyEntry['action']>();
  for (const e of snapshot.entries) {
    if ((e.type !== 'email' && e.type !== 'domain') || isComment(e)) continue;
    const action = monitorAll ? 'monitor' : e.action;
    const forms = e.type === 'domain' ? [e.value, `.${e.value}`] : [e.value.toLowerCase()];
    for (const key of forms) if (keys.get(key) !== 'block') keys.set(key, action);
  }
  return keys;
}

function isComment(e: PolicyEntry): boolean {
  return e.type === 'email' && e.value.startsWith('#');
}

function senderMap(snapshot: PolicySnapshot, config: Config, monitorAll: boolean): string {
  const act = actions(config);
  const keys = [...senderKeys(snapshot, monitorAll).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [HEADER, ...keys.map(([key, action]) => `${key} ${act[action]}`), ''].join('\n');
}

function mainCf(dir: string): string {
  const client = `check_client_access cidr:${join(dir, POSTFIX_FILES.clients)}`;
  const sender = `check_sender_access hash:${join(dir, POSTFIX_FILES.senders)}`;
  return [
    HEADER,
    '# Postfix has no include: copy these two lines into main.cf (keep the checks first in lists you',
    '# already have), or run',
    `#   postconf -e 'smtpd_client_restrictions = ${client}'`,
    `#   postconf -e 'smtpd_sender_restrictions = ${sender}'`,
    '# then `postfix reload`. Listed entries are rejected (REJECT) or, in monitor mode, logged (WARN).',
    `smtpd_client_restrictions = ${client}`,
    `smtpd_sender_restrictions = ${sender}`,
    '',
  ].join('\n');
}

/** The maps and the main.cf lines for a snapshot (pure: same snapshot and config, same bytes). */
export function renderPostfixFiles(
  snapshot: PolicySnapshot,
  context: Pick<RenderContext, 'config' | 'dataDir'>,
): { path: string; content: string }[] {
  const { config } = context;
  const monitorAll = config.enforce.monitor || config.enforce.postfix.monitor;
  const dir = postfixDir(context);
  return [
    { path: join(dir, POSTFIX_FILES.clients), content: clientMap(snapshot, config, monitorAll) },
    { path: join(dir, POSTFIX_FILES.senders), content: senderMap(snapshot, config, monitorAll) },
    { path: join(dir, POSTFIX_FILES.mainCf), content: mainCf(dir) },
  ];
}

/**
 * Compiles the sender map beside the live one and puts it in place; returns the undo (the previous
 * .db back, or none when there was none) for when the reload after it fails.
 */
async function compileSenderMap(artifact: Artifact, context: RenderContext): Promise<() => void> {
  const source = join(postfixDir(context), POSTFIX_FILES.senders);
  const content = artifact.files.find((f) => f.path === source)?.content;
  if (content === undefined) return () => {};
  const next = `${source}.next`;
  const live = `${source}.db`;
  const previous = `${live}.previous`;
  writeFileAtomic(next, content);
  try {
    const postmap = context.config.enforce.postfix.postmap_command;
    // `{map}` marks where the map goes (`postmap -c /etc/postfix-out {map}`); without it, it goes last.
    await runCommand(postmap.includes('{map}') ? postmap : `${postmap} {map}`, { map: `hash:${next}` });
  } catch (err) {
    rmSync(`${next}.db`, { force: true });
    throw err;
  } finally {
    rmSync(next, { force: true });
  }
  rmSync(previous, { force: true });
  const hadLive = existsSync(live);
  if (hadLive) linkSync(live, previous);
  renameSync(`${next}.db`, live);
  return () => {
    if (hadLive) renameSync(previous, live);
    else rmSync(live, { force: true });
  };
}

export const postfixPoint: EnforcementPoint = {
  name: 'postfix',
  render(snapshot, context) {
    const keys = snapshot.entries.filter((e) => CARRIED.has(e.type) && !isComment(e)).map(entryKey);
    return { point: 'postfix', keys: keys.sort(), files: renderPostfixFiles(snapshot, context) };
  },
  async apply(artifact, context) {
    const command = context.config.enforce.postfix.reload_command;
    await installFiles(artifact.files, async () => {
      const undo = await compileSenderMap(artifact, context);
      try {
        if (command) await runCommand(command);
      } catch (err) {
        undo();
        throw err;
      }
      rmSync(`${join(postfixDir(context), POSTFIX_FILES.senders)}.db.previous`, { force: true });
    });
  },
};
