import type { LeaseRecord } from '../../domain/lease.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { accountingRecords } from './accounting-records.js';
import { detailHeaderTime, detailDateSeconds } from './detail-dates.js';
import { readDetailLine } from './detail-line.js';

// FreeRADIUS's detail file (rlm_detail, 1.x to 3.2): one block per request, as written by
//
//   Wed Nov 25 08:46:27 2026                        the header (`header = "%t"`: ctime, server local time)
//   	Acct-Status-Type = Start                       one tab-indented `Attribute = value` line per attribute
//   	User-Name = "alice@isp.example"
//   	Event-Timestamp = "Nov 25 2026 08:26:10 JST"
//   	Timestamp = 1795563987                         when FreeRADIUS received it: always the last line
//                                                   a blank line ends the block
//
// `log_packet_header = yes` adds Packet-Src-IP-Address and friends first; the stock Debian configuration adds
// Acct-Unique-Session-Id and fills a missing Event-Timestamp. Each finished block of an Accounting-Request goes
// to accountingRecords with `line N` (its header line) as evidence. Blocks of other packets (the detail module
// in authorize or post-auth writes `Packet-Type = Access-Request`) say nothing about leases.

/** A block longer than this is not FreeRADIUS output (its max_attributes defaults to 200). */
const MAX_BLOCK_LINES = 2000;
/** How much of a rejected block is kept as its dead letter. */
const MAX_RAW = 64 * 1024;

export const freeradiusDetail: LeaseFormat = {
  name: 'freeradius-detail',
  reader: (ctx) => new DetailReader(ctx),
};

type Block = {
  from: number;
  header: string | undefined;
  attrs: Map<string, string[]>;
  lines: string[];
  rawLength: number;
  /** The first thing wrong inside the block; the block becomes a dead letter when it ends. */
  problem: string | undefined;
};

class DetailReader implements LeaseReader {
  private block: Block | undefined;

  constructor(private readonly ctx: LeaseContext) {}

  line(input: string, line: number): LeaseRecord[] {
    const text = input.endsWith('\r') ? input.slice(0, -1) : input;
    if (text.trim() === '') return this.block ? this.finish(true) : [];
    const indented = text.charCodeAt(0) === 9 || text.charCodeAt(0) === 32;
    if (!indented) {
      // A header while a block is open: the blank line between them is missing (a writer that died mid-block).
      const before = this.block ? this.finish(false) : [];
      this.block = this.open(line, text);
      return before;
    }
    const block = (this.block ??= this.open(line, undefined));
    if (block.lines.length >= MAX_BLOCK_LINES) {
      block.problem ??= `the block has more than ${MAX_BLOCK_LINES} lines without a blank line: this is not a FreeRADIUS detail file, or its blank lines were lost`;
      return [];
    }
    this.keep(block, text);
    const pair = readDetailLine(text);
    if (typeof pair === 'string') {
      block.problem ??= `line ${line}: ${pair}`;
      return [];
    }
    const values = block.attrs.get(pair.name);
    if (values) values.push(pair.value);
    else block.attrs.set(pair.name, [pair.value]);
    return [];
  }

  end(): LeaseRecord[] {
    return this.block ? this.finish(false) : [];
  }

  pendingFrom(): number | undefined {
    return this.block?.from;
  }

  private open(from: number, header: string | undefined): Block {
    const block: Block = { from, header, attrs: new Map(), lines: [], rawLength: 0, problem: undefined };
    if (header !== undefined) this.keep(block, header);
    return block;
  }

  private keep(block: Block, text: string): void {
    if (block.rawLength >= MAX_RAW) return;
    block.lines.push(text);
    block.rawLength += text.length + 1;
  }

  /** The records of the open block; `terminated` when its blank line was read. */
  private finish(terminated: boolean): LeaseRecord[] {
    const block = this.block!;
    this.block = undefined;
    const evidence = `line ${block.from}`;
    const raw = block.lines.join('\n').slice(0, MAX_RAW);
    const reject = (reason: string): LeaseRecord[] => [{ action: 'rejected', reason, evidence, raw }];
    if (block.problem) return reject(block.problem);
    if (block.attrs.size === 0) {
      return reject(`the header ${JSON.stringify(block.header)} is followed by no attribute lines`);
    }
    // FreeRADIUS writes Timestamp last: a block without it that was never closed by a blank line was cut short.
    if (!terminated && !block.attrs.has('Timestamp')) {
      return reject(
        'the block ends without its Timestamp line and blank line: the file was cut short while FreeRADIUS wrote it, so attributes may be missing',
      );
    }
    const packetType = block.attrs.get('Packet-Type')?.[0];
    if (packetType !== undefined && packetType !== 'Accounting-Request' && packetType !== '4') return [];
    const attrs = this.attributes(block);
    if (typeof attrs === 'string') return reject(attrs);
    return accountingRecords(attrs, evidence, raw);
  }

  /** The block's attributes for accountingRecords, with its FreeRADIUS-written times turned into seconds. */
  private attributes(block: Block): Record<string, string | string[]> | string {
    const attrs: Record<string, string | string[]> = Object.create(null);
    for (const [name, values] of block.attrs) attrs[name] = values.length === 1 ? values[0]! : values;
    const header = block.header === undefined ? undefined : detailHeaderTime(block.header, this.ctx);
    const arrival = block.attrs.get('Timestamp')?.[0];
    const arrivalSeconds = arrival !== undefined && /^\d{1,10}$/.test(arrival) ? Number(arrival) : undefined;

    const stamps = block.attrs.get('Event-Timestamp');
    if (stamps) {
      const converted: string[] = [];
      for (const stamp of stamps) {
        const seconds = detailDateSeconds(stamp, this.ctx);
        if (typeof seconds === 'string') return `Event-Timestamp ${JSON.stringify(stamp)}: ${seconds}`;
        if (seconds.localZone) {
          const wrongZone = zoneMismatch(block.header, header, arrivalSeconds);
          if (wrongZone) return wrongZone;
        }
        converted.push(String(seconds.seconds));
      }
      attrs['Event-Timestamp'] = converted.length === 1 ? converted[0]! : converted;
    }
    // A block without Timestamp (hand-made, or written by something else): the header says when it arrived.
    if (arrival === undefined && header !== undefined) attrs.Timestamp = String(Math.floor(header / 1000));
    return attrs;
  }
}

/**
 * The header and Timestamp are both the moment FreeRADIUS received the request, one in its local time and one
 * in UTC; read in the zone configured for this source, they must agree. When they do not, the zone is wrong,
 * and every local Event-Timestamp would be read hours off: refuse rather than attribute to the wrong subscriber.
 * (Within a few seconds, or an hour off in the one ambiguous hour a year when clocks go back.)
 */
function zoneMismatch(text: string | undefined, header: number | undefined, arrival: number | undefined): string {
  if (header === undefined || arrival === undefined) return '';
  const off = Math.abs(header - arrival * 1000);
  if (off <= 2000 || Math.abs(off - 3_600_000) <= 2000) return '';
  const hours = Math.round(((header - arrival * 1000) / 3_600_000) * 100) / 100;
  return `the header ${JSON.stringify(text)} and Timestamp ${arrival} (both when FreeRADIUS received the request) are ${Math.abs(hours)} hours apart when the header is read in the time zone configured for this source: set the source's zone to the one the FreeRADIUS server runs in, or its local Event-Timestamps are read wrongly`;
}
