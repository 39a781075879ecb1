import type { LeaseRecord } from '../../domain/lease.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { canonicalHex } from './dhcp-identifiers.js';
import { HeldLeases } from './held-leases.js';
import { keaAgentIds } from './kea-user-context.js';
import {
  canonicalAddress,
  canonicalPrefix,
  leaseEvent,
  lineEvidence,
  rejectedLine,
  withoutCr,
} from './lease-records.js';

// Kea's memfile lease files (kea-leases4.csv, kea-leases6.csv), Kea 1.4 to 2.x:
//
//   address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context
//   10.250.1.100,02:00:00:fa:00:01,01:02:00:00:fa:00:01,120,1795564008,1,0,0,mzg-client,0,
//
//   address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,
//   hostname,hwaddr,state,user_context,hwtype,hwaddr_source
//
// (Kea 2.4 appends pool_id.) The file is a journal: Kea appends the whole lease at every change and the lease
// file cleanup (LFC) rewrites it, one row per lease, with the header again. `expire` is epoch seconds and the
// lease was last granted or renewed at expire − valid_lifetime. state 0 (default) is held: a start, or for a
// lease this reader already holds open a renewal, until expire. state 2 (expired-reclaimed) ended at expire.
// state 1 (declined) ended when declined; Kea has cleared the client's identity by then, so it ends the lease
// this reader saw on the address. valid_lifetime 0 marks a deleted lease: a release (state 0) ended at
// expire, which is then the last transaction, since Kea does not write when the release came (the interval
// ends early rather than late); a reclaimed lease deleted later (state 2) already ended at its reclaim row.
// lease_type 2 is a delegated prefix (address/prefix_len). Kea writes a comma in a host name or user context
// as `&#x2c`, so a row never has more commas than columns.
//
// Without a header (a tailer resuming mid-file) the columns are Kea 2.2's, told apart by their number: 10 to
// 12 for lease4, 14 to 18 for lease6. Session `kea/ADDRESS/HOLDER`: the hardware address (or client id) for
// DHCPv4, the DUID for DHCPv6. The DHCPv4 subscriber key is the relay agent's circuit id when Kea stored it
// (store-extended-info), else the MAC, else the client id; the DHCPv6 key is the DUID.

const LEASE4_COLUMNS = [
  'address',
  'hwaddr',
  'client_id',
  'valid_lifetime',
  'expire',
  'subnet_id',
  'fqdn_fwd',
  'fqdn_rev',
  'hostname',
  'state',
  'user_context',
  'pool_id',
];
const LEASE6_COLUMNS = [
  'address',
  'duid',
  'valid_lifetime',
  'expire',
  'subnet_id',
  'pref_lifetime',
  'lease_type',
  'iaid',
  'prefix_len',
  'fqdn_fwd',
  'fqdn_rev',
  'hostname',
  'hwaddr',
  'state',
  'user_context',
  'hwtype',
  'hwaddr_source',
  'pool_id',
];

type Columns = { family: 4 | 6; index: Map<string, number>; count: number };

const INFINITE = 0xffffffff;
const LEASE_TYPES: Record<string, string> = { '0': 'IA_NA', '1': 'IA_TA', '2': 'IA_PD' };

export const keaCsv: LeaseFormat = {
  name: 'kea-csv',
  reader(_ctx: LeaseContext): LeaseReader {
    let header: Columns | undefined;
    const held = new HeldLeases();
    return {
      line(raw, line) {
        const text = withoutCr(raw);
        if (text.trim() === '') return [];
        const cells = text.split(',');
        if (cells[0] === 'address') {
          const columns = readHeader(cells);
          if (typeof columns === 'string') return [rejectedLine(columns, line, raw)];
          header = columns;
          return [];
        }
        const columns = header ?? columnsByCount(cells.length);
        if (columns === undefined)
          return [
            rejectedLine(
              `the row has ${cells.length} columns and no header came before it: Kea writes 10 to 12 (lease4) or ` +
                '14 to 18 (lease6); is this a Kea memfile lease file?',
              line,
              raw,
            ),
          ];
        if (cells.length !== columns.count)
          return [
            rejectedLine(
              `the row has ${cells.length} columns where the header has ${columns.count}; ` +
                'a comma in a field should have been written as &#x2c',
              line,
              raw,
            ),
          ];
        const cell = (name: string) => {
          const i = columns.index.get(name);
          return i === undefined ? '' : unescapeKea(cells[i]!);
        };
        return readRow(cell, columns.family, line, raw, held);
      },
      end: () => [],
      pendingFrom: () => undefined,
    };
  },
};

function readHeader(cells: string[]): Columns | string {
  const family = cells.includes('duid') ? 6 : cells.includes('hwaddr') ? 4 : undefined;
  const required =
    family === 6 ? ['duid', 'valid_lifetime', 'expire', 'lease_type', 'prefix_len'] : ['valid_lifetime', 'expire'];
  const missing = required.filter((name) => !cells.includes(name));
  if (family === undefined || missing.length > 0)
    return `the header row lacks ${family === undefined ? 'hwaddr or duid' : missing.join(', ')}: is this a Kea lease file?`;
  return { family, index: new Map(cells.map((name, i) => [name, i])), count: cells.length };
}

function columnsByCount(count: number): Columns | undefined {
  const names = count >= 10 && count <= 12 ? LEASE4_COLUMNS : count >= 14 && count <= 18 ? LEASE6_COLUMNS : undefined;
  if (names === undefined) return undefined;
  return {
    family: names === LEASE4_COLUMNS ? 4 : 6,
    index: new Map(names.slice(0, count).map((name, i) => [name, i])),
    count,
  };
}

/** Kea's escape of the characters it must not write raw (`&#x2c` for a comma). */
function unescapeKea(text: string): string {
  if (!text.includes('&#x')) return text;
  return text.replace(/&#x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function readRow(
  cell: (name: string) => string,
  family: 4 | 6,
  line: number,
  raw: string,
  held: HeldLeases,
): LeaseRecord[] {
  const reject = (reason: string) => [rejectedLine(reason, line, raw)];
  const numbers: Record<string, number> = {};
  for (const name of ['valid_lifetime', 'expire', 'state', ...(family === 6 ? ['lease_type', 'prefix_len'] : [])]) {
    const value = cell(name);
    if (name === 'state' && value === '') numbers[name] = 0;
    else if (!/^\d{1,12}$/.test(value)) return reject(`${name} "${value}" is not a whole number`);
    else numbers[name] = Number(value);
  }
  const { valid_lifetime: valid, expire, state } = numbers as Record<string, number>;
  const leaseType = family === 6 ? String(numbers.lease_type) : undefined;
  const address =
    leaseType === '2' ? canonicalPrefix(`${cell('address')}/${numbers.prefix_len}`) : canonicalAddress(cell('address'));
  if (address === undefined || address.includes(':') !== (family === 6))
    return reject(
      `"${cell('address')}" is not an IPv${family} ${leaseType === '2' ? 'prefix (with prefix_len)' : 'address'}`,
    );
  if (state! > 3) return reject(`state ${state} is not one Kea writes (0 default, 1 declined, 2 expired-reclaimed)`);

  const identity = readIdentity(cell, family);
  if (typeof identity === 'string') return reject(identity);
  const { holder } = identity;
  const evidence = lineEvidence(line);
  const lastTransaction = (expire! - valid!) * 1000;
  const detail = {
    ...identity.detail,
    hostname: cell('hostname') || undefined,
    'subnet-id': cell('subnet_id') || undefined,
    'lease-type': leaseType === undefined || leaseType === '0' ? undefined : (LEASE_TYPES[leaseType] ?? leaseType),
  };

  if (holder === undefined) {
    // A declined lease no longer names its client: it ends the lease this reader saw on the address.
    if (state === 0 || state === 3)
      return valid === 0
        ? []
        : reject(`the lease of ${address} names no client (no hardware address, client id or DUID)`);
    const open = held.at(address);
    if (state !== 1 || valid === 0 || open === undefined) return [];
    held.release(address);
    return [
      leaseEvent({
        session: open.session,
        action: 'stop',
        at: lastTransaction,
        address,
        evidence,
        detail: { state: 'declined' },
      }),
    ];
  }

  const session = `kea/${address}/${holder}`;
  const common = { session, address, subscriberKey: identity.key, keyKind: identity.keyKind, evidence };
  if (valid === 0) {
    if (state !== 0 && state !== 3) return [];
    held.release(address, session);
    return [leaseEvent({ ...common, action: 'stop', at: lastTransaction, detail: { ...detail, state: 'released' } })];
  }
  if (state === 2 || state === 1) {
    held.release(address, session);
    const at = state === 2 ? expire! * 1000 : lastTransaction;
    const ended = state === 2 ? 'expired-reclaimed' : 'declined';
    return [leaseEvent({ ...common, action: 'stop', at, detail: { ...detail, state: ended } })];
  }
  const renewal = held.hold(address, session, holder);
  return [
    leaseEvent({
      ...common,
      action: renewal ? 'update' : 'start',
      at: lastTransaction,
      expiresAt: valid === INFINITE ? undefined : expire! * 1000,
      detail,
    }),
  ];
}

type Identity = {
  holder: string | undefined;
  key: string | undefined;
  keyKind: 'mac' | 'client-id' | 'circuit' | undefined;
  detail: Record<string, string | undefined>;
};

function readIdentity(cell: (name: string) => string, family: 4 | 6): Identity | string {
  const hex = (name: string): string | undefined | false => {
    const value = cell(name);
    if (value === '') return undefined;
    return canonicalHex(value) ?? false;
  };
  const mac = hex('hwaddr');
  if (mac === false) return `hwaddr "${cell('hwaddr')}" is not colon-separated hex`;
  if (family === 6) {
    const duid = hex('duid');
    if (duid === false) return `duid "${cell('duid')}" is not colon-separated hex`;
    // Kea writes a declined address with the DUID 00 (a placeholder for "no client").
    const holder = duid === '00' ? undefined : duid;
    return {
      holder,
      key: holder,
      keyKind: holder === undefined ? undefined : 'client-id',
      detail: { mac, iaid: cell('iaid') || undefined },
    };
  }
  const clientId = hex('client_id');
  if (clientId === false) return `client_id "${cell('client_id')}" is not colon-separated hex`;
  const agent = keaAgentIds(cell('user_context'));
  const holder = mac ?? clientId;
  const [key, keyKind] =
    agent?.circuitId !== undefined
      ? [agent.circuitId, 'circuit' as const]
      : mac !== undefined
        ? [mac, 'mac' as const]
        : [clientId, clientId === undefined ? undefined : ('client-id' as const)];
  return {
    holder,
    key,
    keyKind,
    detail: {
      mac: keyKind === 'circuit' ? mac : undefined,
      'client-id': clientId,
      'remote-id': agent?.remoteId,
      'subscriber-id': agent?.subscriberId,
    },
  };
}
