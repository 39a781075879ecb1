import type { Observation } from '../../domain/observation.js';
import { requestObservation } from './request.js';

// Squid's native format (`logformat squid`):
//
//   %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
//   1795556705.760      6 127.0.0.1 TCP_MISS/200 202 GET http://plain.test:39180/index.html - HIER_DIRECT/127.0.0.1 -
//
// Fields are separated by one or more spaces (%6tr pads the elapsed time), and none holds a space:
// squid strips or encodes white space in URLs (uri_whitespace) and user names. The content type at the
// end is not needed; everything up to the hierarchy field is.

const FIELDS_NEEDED = 9;
const TIME = 0;
const CLIENT = 2;
const RESULT = 3;
const METHOD = 5;
const TARGET = 6;
const HIERARCHY = 8;

// Start and end of each field of the line being read; reused because every line of a log has them.
const starts = new Int32Array(FIELDS_NEEDED);
const ends = new Int32Array(FIELDS_NEEDED);

/** The Observation of a native line whose time stamp starts at `at`. */
export function parseNativeLine(line: string, at: number): Observation | string | null {
  let i = at;
  for (let field = 0; field < FIELDS_NEEDED; field++) {
    while (line.charCodeAt(i) === SPACE) i++;
    if (i >= line.length) return `only ${field} of the native format's fields`;
    starts[field] = i;
    while (i < line.length && line.charCodeAt(i) !== SPACE) i++;
    ends[field] = i;
  }
  const result = line.slice(starts[RESULT], ends[RESULT]);
  const slash = result.indexOf('/');
  if (slash < 0) return `result "${result}" is not <squid code>/<HTTP status>`;
  const hierarchy = line.slice(starts[HIERARCHY], ends[HIERARCHY]);
  const hierarchySlash = hierarchy.indexOf('/');
  return requestObservation({
    time: epochMs(line, starts[TIME]!, ends[TIME]!),
    client: line.slice(starts[CLIENT], ends[CLIENT]),
    method: line.slice(starts[METHOD], ends[METHOD]),
    target: line.slice(starts[TARGET], ends[TARGET]),
    result: result.slice(0, slash),
    status: result.slice(slash + 1),
    hierarchy: hierarchySlash < 0 ? hierarchy : hierarchy.slice(0, hierarchySlash),
    upstream: hierarchySlash < 0 ? '' : hierarchy.slice(hierarchySlash + 1),
  });
}

/** `1795556705.760` as ms; squid writes three digits after the dot, other writers may write fewer or more. */
function epochMs(line: string, start: number, end: number): number {
  let seconds = 0;
  let i = start;
  for (; i < end && line.charCodeAt(i) !== DOT; i++) seconds = seconds * 10 + (line.charCodeAt(i) - 48);
  let ms = 0;
  let scale = 100;
  for (i++; i < end && scale >= 1; i++, scale /= 10) ms += (line.charCodeAt(i) - 48) * scale;
  return seconds * 1000 + ms;
}

const SPACE = 32;
const DOT = 46;
