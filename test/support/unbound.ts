import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes an Unbound configuration for a test or bench into `dir` and returns its path: Unbound in the
 * foreground on 127.0.0.1:`port`, answering `.test` names from a local auth-zone (`zone`, a master file
 * for `test.`) and sending anything else to a closed loopback port, so no query leaves the machine;
 * RPZ through the respip module, with `rpz` as the lines of its `rpz:` clause. `.test` is one of
 * Unbound's built-in empty zones, hence `nodefault`; and `local-data` answers would bypass RPZ, hence
 * an auth-zone with `for-upstream`.
 */
export function writeUnboundConfig(options: {
  dir: string;
  port: number;
  zone: string;
  rpz: string[];
  verbosity?: number;
  /** More `server:` lines (num-threads…). */
  server?: string[];
  /** More top-level clauses, written after the rest, each line as given (`dnstap:`, `  dnstap-enable: yes`…). */
  clauses?: string[];
}): string {
  const { dir, port } = options;
  const zoneFile = join(dir, `test-${port}.zone`);
  writeFileSync(zoneFile, options.zone);
  const conf = join(dir, `unbound-${port}.conf`);
  const lines = [
    'server:',
    `  interface: 127.0.0.1@${port}`,
    `  port: ${port}`,
    '  do-ip6: no',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${dir}/unbound-${port}.pid"`,
    '  do-daemonize: no',
    '  use-syslog: no',
    '  logfile: ""',
    `  verbosity: ${options.verbosity ?? 1}`,
    ...(options.server ?? []).map((l) => `  ${l}`),
    '  module-config: "respip iterator"',
    '  do-not-query-localhost: no',
    '  local-zone: "test." nodefault',
    'stub-zone:',
    '  name: "."',
    '  stub-addr: 127.0.0.1@9',
    'auth-zone:',
    '  name: "test."',
    `  zonefile: "${zoneFile}"`,
    '  for-downstream: no',
    '  for-upstream: yes',
    'rpz:',
    ...options.rpz.map((l) => `  ${l}`),
    ...(options.clauses ?? []),
    '',
  ];
  writeFileSync(conf, lines.join('\n'));
  return conf;
}
