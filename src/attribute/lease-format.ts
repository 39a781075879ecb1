import type { LeaseRecord } from '../domain/lease.js';
import type { LineContext } from '../observe/line-format.js';

/** The lease formats `attribute import --format` and source configs name. */
export const LEASE_FORMAT_NAMES = [
  'freeradius-detail',
  'radacct',
  'isc-dhcpd',
  'kea-csv',
  'kea-legal',
  'dnsmasq',
  'juniper-pba',
  'a10',
  'cisco-cgn',
  'vpp-nat',
  'static-csv',
] as const;
export type LeaseFormatName = (typeof LEASE_FORMAT_NAMES)[number];

/**
 * What a lease format may know besides its input: never a clock of its own. `now` is also the time a
 * snapshot file (dnsmasq's lease file) was taken, for formats that say what is held without saying since when.
 */
export type LeaseContext = LineContext;

/**
 * A reader of one file or stream, fed one line at a time (without its end-of-line, numbered from 1). Lines
 * arrive in order; a format whose records span lines (a FreeRADIUS detail block, a dhcpd.leases `lease {}`)
 * keeps the unfinished record and says where it began, so a tailer that stops between two lines of it can
 * resume at that line. Never throws: a record it cannot read comes back as a LeaseRejected.
 */
export interface LeaseReader {
  line(text: string, line: number): LeaseRecord[];
  /** The input ended: finish (or reject) a record that waited for its terminator. */
  end(): LeaseRecord[];
  /** Line number at which the unfinished record began, if one is waiting. */
  pendingFrom(): number | undefined;
}

export interface LeaseFormat {
  name: LeaseFormatName;
  /**
   * The first line of a file says how to read the rest (a CSV header): a reader resuming in the middle
   * of a file is given line 1 first, and what it returns for it is discarded.
   */
  headerLine?: boolean;
  reader(ctx: LeaseContext): LeaseReader;
}
