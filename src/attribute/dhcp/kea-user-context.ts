import { agentIdsFromOption82, hexRunBytes, type AgentIds } from './dhcp-identifiers.js';

// The relay agent information Kea keeps in a DHCPv4 lease's user context when `store-extended-info` is on:
//
//   { "ISC": { "relay-agent-info": "0x0103726330" } }                                  (Kea 2.2)
//   { "ISC": { "relay-agent-info": { "sub-options": "0x0103726330", "remote-id": … } } } (Kea 2.4 and later)
//
// both the raw option 82 in hex. Undefined when the context holds none (or is not JSON: it is only evidence).

export function keaAgentIds(userContext: string): AgentIds | undefined {
  if (!userContext.includes('relay-agent-info')) return undefined;
  let context: unknown;
  try {
    context = JSON.parse(userContext);
  } catch {
    return undefined;
  }
  const info = field(field(context, 'ISC'), 'relay-agent-info');
  const hex = typeof info === 'string' ? info : field(info, 'sub-options');
  if (typeof hex !== 'string') return undefined;
  const bytes = hexRunBytes(hex);
  return bytes === undefined ? undefined : agentIdsFromOption82(bytes);
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}
