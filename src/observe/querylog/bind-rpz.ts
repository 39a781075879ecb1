import type { Observation } from '../../domain/observation.js';
import type { LineContext } from '../line-format.js';
import { bindLineTime, clientMessageStart, readBindClient } from './bind-message.js';
import { isDnsClassAt } from './dns-class.js';

// The line named writes (category `rpz`, and `rpz-passthru` in releases that have it) when a response policy zone
// rewrites an answer:
//
//   client @0x… 127.0.0.2#53304 (evil.example.test): rpz QNAME NXDOMAIN rewrite evil.example.test/A/IN via evil.example.test.rpz.mizugiwa
//   client @0x… 127.0.0.2#54079 (watched.example.test): rpz QNAME PASSTHRU rewrite watched.example.test/A/IN via watched.example.test.monitor.rpz.mizugiwa
//   client @0x… 127.0.0.2#47819 (mail.example.test): disabled rpz QNAME NXDOMAIN rewrite mail.example.test/A/IN via …
//   client 192.0.2.10#53412 (evil.example): rpz QNAME NXDOMAIN rewrite evil.example via evil.example.rpz.mizugiwa   (older: no /TYPE/CLASS)
//
// `rpz TRIGGER POLICY rewrite NAME[/TYPE/CLASS] via POLICY-OWNER[ (CNAME to: …)]`. The trigger is QNAME, IP,
// CLIENT-IP, NSDNAME or NSIP. NAME is the name being rewritten, which after a CNAME is the chain's current name
// rather than the client's question in parentheses: it is the name the policy matched, so it is the domain.
// `disabled` means the zone's policy is `disabled`: named logs what it would have done and answers normally.
// Other lines of these categories (zone loads, `rpz … rewrite … failed` reports) are not observations.

const REWRITE = ' rewrite ';
const VIA = ' via ';
const RPZ = 'rpz ';
const DISABLED = 'disabled ';
const SPACE = 32;

/**
 * Whether a policy keeps the client from the real answer: true for those that replace it, false for PASSTHRU
 * (how a monitor-mode zone shows a hit) and TCP-Only (the client retries over TCP and gets the real answer).
 * Policies not listed (DNS64, and any a later BIND adds) leave `blocked` out: the line does not say.
 */
const POLICY_BLOCKS: ReadonlyMap<string, boolean> = new Map([
  ['nxdomain', true],
  ['nodata', true],
  ['drop', true],
  ['local-data', true],
  ['cname', true],
  ['passthru', false],
  ['tcp-only', false],
]);

/** The rewrite an RPZ log line records; null for a line that is not one; a string when it cannot be read. */
export function readBindRpzRewrite(line: string, ctx: LineContext): Observation | string | null {
  const rewrite = line.indexOf(REWRITE);
  if (rewrite === -1) return null;
  const start = clientMessageStart(line, rewrite);
  if (start === -1) return null;
  const rpz = line.lastIndexOf(RPZ, rewrite);
  if (rpz <= start || line.charCodeAt(rpz - 1) !== SPACE) return null;
  // Exactly two words, the trigger and the policy, between `rpz ` and ` rewrite`.
  const triggerEnd = line.indexOf(' ', rpz + RPZ.length);
  if (triggerEnd >= rewrite || triggerEnd === rpz + RPZ.length) return null;
  const policyStart = triggerEnd + 1;
  if (line.indexOf(' ', policyStart) < rewrite || policyStart === rewrite) return null;
  const disabled = line.startsWith(DISABLED, rpz - DISABLED.length);

  const nameStart = rewrite + REWRITE.length;
  const via = line.indexOf(' ', nameStart);
  if (via === -1 || !line.startsWith(VIA, via)) return 'the rewritten name is not followed by "via"';
  const nameEnd = nameFieldEnd(line, nameStart, via);
  if (nameEnd === nameStart) return 'the rpz rewrite line names no domain';
  const client = readBindClient(line, start, rpz);
  if (typeof client === 'string') return client;
  const time = bindLineTime(line, start, ctx);
  if (Number.isNaN(time)) return 'the time stamp before "client" cannot be read';

  const policy = POLICY_BLOCKS.get(line.slice(policyStart, rewrite).toLowerCase());
  const observation: Observation = {
    time,
    point: 'dns',
    client: client.client,
    clientPort: client.clientPort,
    domain: line.slice(nameStart, nameEnd),
    detail: line.slice(disabled ? rpz - DISABLED.length : rpz, rewrite),
  };
  if (disabled) observation.blocked = false;
  else if (policy !== undefined) observation.blocked = policy;
  return observation;
}

/**
 * Where the name ends in `NAME/TYPE/CLASS` (9.18) or a bare `NAME` (older releases) that runs from `start` to `end`.
 * The suffix is taken off only when its last part is a class, so a name with a `/` in it stays whole.
 */
function nameFieldEnd(line: string, start: number, end: number): number {
  const classSlash = line.lastIndexOf('/', end - 1);
  if (classSlash <= start || !isDnsClassAt(line, classSlash + 1, end)) return end;
  const typeSlash = line.lastIndexOf('/', classSlash - 1);
  return typeSlash <= start ? end : typeSlash;
}
