// What a dnstap message tells the matcher. A resolver logs each lookup twice: the client's query
// (CLIENT_QUERY) and the answer sent back (CLIENT_RESPONSE). The query carries the name, so it becomes
// the observation of the name; the response adds what the name resolved to, so IP indicators match on
// resolved addresses, and carries no `domain` so one lookup is not counted twice against a domain
// indicator. The resolver's own traffic upstream (RESOLVER_*, FORWARDER_*) and an authoritative
// server's (AUTH_*) are not a subscriber's doing and are left out.
import type { Observation } from '../../domain/observation.js';
import {
  CLIENT_QUERY,
  CLIENT_RESPONSE,
  readClientEnvelope,
  type ClientEnvelope,
  type DnstapMessage,
} from './message.js';
import { readDnsFacts } from './dns-wire.js';

/**
 * The observation a decoded dnstap message (decodeDnstapMessage's result) makes: null when it is not
 * one (another message type, a query without a question, a response without A/AAAA answers); the
 * reason, unchanged, when the message could not be decoded.
 */
export function dnstapObservation(message: DnstapMessage | string): Observation | null | string {
  if (typeof message === 'string') return message;
  // A CLIENT_* message always has a time and a client (readDnstapEnvelope makes them a condition).
  if (message.type === CLIENT_QUERY) {
    if (message.qname === undefined) return null;
    return queryObservation(message as ClientEnvelope, message.qname, message.qtype!);
  }
  if (message.type === CLIENT_RESPONSE) {
    if (message.answers.length === 0) return null;
    return responseObservation(message as ClientEnvelope, message.answers, message.qtype, message.rcode);
  }
  return null;
}

/**
 * One Frame Streams data frame to its observation: null when the message is not one, a string saying
 * why when the frame cannot be read (for the dead-letter store). Never throws. The same as
 * dnstapObservation(decodeDnstapMessage(frame)), but the pipeline's worker threads call it per frame,
 * so it reads the DNS message only for CLIENT_QUERY/CLIENT_RESPONSE and builds the observation straight
 * from what it read, without the intermediate message object.
 */
export function decodeDnstapFrame(frame: Uint8Array): Observation | null | string {
  const envelope = readClientEnvelope(frame);
  if (envelope === null || typeof envelope === 'string') return envelope;
  const type = envelope.type;
  if (!envelope.dns) {
    return type === CLIENT_QUERY ? 'CLIENT_QUERY without query_message' : 'CLIENT_RESPONSE without response_message';
  }
  const facts = readDnsFacts(envelope.dns, type === CLIENT_RESPONSE);
  if (typeof facts === 'string') return `${type === CLIENT_QUERY ? 'CLIENT_QUERY' : 'CLIENT_RESPONSE'}: ${facts}`;
  if (type === CLIENT_QUERY) {
    return facts.qname === undefined ? null : queryObservation(envelope, facts.qname, facts.qtype!);
  }
  return facts.answers.length === 0 ? null : responseObservation(envelope, facts.answers, facts.qtype, facts.rcode);
}

function queryObservation(envelope: ClientEnvelope, qname: string, qtype: string): Observation {
  const observation: Observation = {
    time: envelope.time,
    point: 'dns',
    client: envelope.client,
    domain: qname,
    detail: qtype,
  };
  if (envelope.clientPort !== undefined) observation.clientPort = envelope.clientPort;
  return observation;
}

function responseObservation(
  envelope: ClientEnvelope,
  answers: string[],
  qtype: string | undefined,
  rcode: string,
): Observation {
  const observation: Observation = {
    time: envelope.time,
    point: 'dns',
    client: envelope.client,
    addresses: answers,
    detail: qtype === undefined ? rcode : `${qtype} ${rcode}`,
  };
  if (envelope.clientPort !== undefined) observation.clientPort = envelope.clientPort;
  return observation;
}
