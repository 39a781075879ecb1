import type { Config } from '../../config/index.js';
import { parseListen } from '../../config/listen.js';

// `mizugiwa enforce rpz config <resolver>`: the lines an operator pastes into their resolver so it
// takes the policy zone from Mizugiwa — transfer source, key, actions and logging — generated from the
// running configuration, so the addresses, zone name and key always agree with what Mizugiwa serves.

export const RESOLVERS = ['unbound', 'bind', 'powerdns', 'knot'] as const;
export type Resolver = (typeof RESOLVERS)[number];

type Ctx = { zone: string; bare: string; host: string; port: number; monitor: boolean; file: string; config: Config };

export function resolverConfig(resolver: Resolver, config: Config, zoneFile: string): string {
  const listen = parseListen(config.enforce.rpz.listen)!;
  // A primary listening on 0.0.0.0 is reached at the address the resolver uses for this box.
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '<address of this Mizugiwa>' : listen.host;
  const zone = config.enforce.rpz.zone;
  const ctx: Ctx = {
    zone,
    bare: zone.slice(0, -1),
    host,
    port: listen.port,
    monitor: config.enforce.monitor || config.enforce.rpz.monitor,
    file: zoneFile,
    config,
  };
  return { unbound, bind, powerdns, knot }[resolver](ctx);
}

function unbound(c: Ctx): string {
  const tsig = c.config.enforce.rpz.tsig;
  return [
    '# unbound.conf — Mizugiwa response policy zone (Unbound 1.10 or later).',
    '# The respip module applies rpz-ip triggers; it must come before the validator and iterator.',
    "# The abuse desk's walled garden (rpz-client-ip triggers) needs Unbound 1.14 or later.",
    'server:',
    '    module-config: "respip validator iterator"',
    '',
    'rpz:',
    `    name: ${c.zone}`,
    `    primary: ${c.host}@${c.port}`,
    '    # Mizugiwa sends a NOTIFY on every change; Unbound then fetches the change by IXFR.',
    `    allow-notify: ${c.host}`,
    '    # Logs every policy hit (and, in monitor mode, what would have been blocked).',
    '    rpz-log: yes',
    '    rpz-log-name: "mizugiwa"',
    c.monitor
      ? '    # Monitor mode: hits are logged, answers are left alone.\n    rpz-action-override: passthru'
      : '    # Monitor (shadow) mode: uncomment to log hits without blocking.\n    # rpz-action-override: passthru',
    ...(tsig
      ? [
          `# Unbound cannot sign transfers: with enforce.rpz.tsig set, Mizugiwa refuses it unless`,
          `# this resolver's address is in enforce.rpz.unsigned_transfer (and allow_transfer).`,
        ]
      : []),
    '',
  ].join('\n');
}

function bind(c: Ctx): string {
  const tsig = c.config.enforce.rpz.tsig;
  const keyName = tsig?.name.slice(0, -1);
  return [
    '// named.conf — Mizugiwa response policy zone (BIND 9.11 or later).',
    ...(tsig ? [`key "${keyName}" {`, '    algorithm hmac-sha256;', `    secret "${tsig.secret}";`, '};', ''] : []),
    'options {',
    '    // Monitor (shadow) mode is "policy disabled": hits are logged, answers are left alone.',
    `    response-policy { zone "${c.bare}"${c.monitor ? ' policy disabled' : ''} log yes; };`,
    '};',
    '',
    `zone "${c.bare}" {`,
    '    type secondary;',
    `    primaries { ${c.host} port ${c.port}${tsig ? ` key "${keyName}"` : ''}; };`,
    `    file "${c.bare}.db";`,
    '    // Only this server needs the zone: nobody should query or transfer it from here.',
    '    allow-query { localhost; };',
    '    allow-transfer { none; };',
    '};',
    '',
    'logging {',
    '    channel mizugiwa_rpz { file "rpz.log" versions 5 size 100m; print-time yes; };',
    '    category rpz { mizugiwa_rpz; };',
    '};',
    '',
  ].join('\n');
}

function powerdns(c: Ctx): string {
  const tsig = c.config.enforce.rpz.tsig;
  const options = [
    `policyName="mizugiwa"`,
    ...(c.monitor ? ['defpol=Policy.NoAction'] : []),
    ...(tsig ? [`tsigname="${tsig.name}"`, `tsigalgo="hmac-sha256"`, `tsigsecret="${tsig.secret}"`] : []),
    'refresh=60',
  ];
  return [
    '-- recursor.lua (PowerDNS Recursor 4.x, lua-config-file=) — Mizugiwa response policy zone.',
    '-- Monitor (shadow) mode is defpol=Policy.NoAction: hits are counted and logged, answers left alone.',
    '-- Recursor 5 with YAML settings: the same values go under recursor.rpzs (address, name, tsig, defpol).',
    `rpzPrimary({"${c.host}:${c.port}"}, "${c.zone}", {${options.join(', ')}})`,
    '',
  ].join('\n');
}

function knot(c: Ctx): string {
  return [
    '-- kresd.conf (Knot Resolver 5) — Mizugiwa response policy zone.',
    '-- Knot Resolver reads RPZ from a file, not by transfer: Mizugiwa writes it atomically on every',
    '-- publish, and `true` makes kresd reload it when it changes.',
    c.monitor
      ? '-- Monitor mode: Mizugiwa publishes every trigger as PASSTHRU, so nothing is blocked.'
      : '-- Monitor (shadow) mode: set enforce.rpz.monitor; every trigger is then published as PASSTHRU.',
    `policy.add(policy.rpz(policy.DENY_MSG('blocked by Mizugiwa'), '${c.file}', true))`,
    '',
  ].join('\n');
}
