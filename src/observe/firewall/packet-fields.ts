// The packet the kernel's LOG target (iptables -j LOG, nftables `log`) describes, as `KEY=value` fields
// after `IN=… OUT=…` (net/netfilter/nf_log_syslog.c):
//
//   MAC=… SRC=10.0.0.5 DST=203.0.113.9 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=1 DF PROTO=TCP SPT=48522 DPT=443
//     WINDOW=64240 RES=0x00 SYN URGP=0
//   SRC=2001:0db8:…:0005 DST=… LEN=51 TC=0 HOPLIMIT=63 FLOWLBL=46739 PROTO=UDP SPT=54532 DPT=53 LEN=11
//   … PROTO=ICMP TYPE=3 CODE=3 [SRC=10.0.0.5 DST=203.0.113.9 … PROTO=UDP SPT=59444 DPT=7777 LEN=11 ]
//   ARP HTYPE=1 PTYPE=0x0800 OPCODE=2 MACSRC=… IPSRC=203.0.113.1 MACDST=… IPDST=203.0.113.9
//
// An ICMP error quotes the packet it answers in `[…]`; its SRC and DST are that packet's, not this
// one's, so reading stops at the first `[` (INCOMPLETE [n bytes] starts one too). Only the first of a
// repeated key counts for the same reason (ICMP echo has a second ID=).

/** The fields an Observation needs, as text; absent when the line does not carry them. */
export type PacketFields = {
  src?: string;
  dst?: string;
  proto?: string;
  sourcePort?: string;
  destinationPort?: string;
  icmpType?: string;
  icmpCode?: string;
  /** TCP flags in the order the kernel writes them (CWR ECE URG ACK PSH RST SYN FIN). */
  tcpFlags: string[];
  /** An ARP packet (nf_log_arp): no IP addresses of the kind SRC/DST name. */
  arp: boolean;
};

const TCP_FLAGS = new Set(['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN']);

/** The fields of the packet description that starts at `from` in `line`. */
export function readPacketFields(line: string, from: number): PacketFields {
  const fields: PacketFields = { tcpFlags: [], arp: false };
  let i = from;
  const end = line.length;
  while (i < end) {
    while (i < end && line.charCodeAt(i) === SPACE) i++;
    if (i >= end || line.charCodeAt(i) === OPEN_BRACKET) break;
    let tokenEnd = i;
    let equals = -1;
    while (tokenEnd < end && line.charCodeAt(tokenEnd) !== SPACE) {
      if (equals < 0 && line.charCodeAt(tokenEnd) === EQUALS) equals = tokenEnd;
      tokenEnd++;
    }
    if (equals > i) {
      const value = line.slice(equals + 1, tokenEnd);
      switch (line.slice(i, equals)) {
        case 'SRC':
          fields.src ??= value;
          break;
        case 'DST':
          fields.dst ??= value;
          break;
        case 'PROTO':
          fields.proto ??= value;
          break;
        case 'SPT':
          fields.sourcePort ??= value;
          break;
        case 'DPT':
          fields.destinationPort ??= value;
          break;
        case 'TYPE':
          fields.icmpType ??= value;
          break;
        case 'CODE':
          fields.icmpCode ??= value;
          break;
      }
    } else if (equals < 0) {
      const word = line.slice(i, tokenEnd);
      if (word === 'ARP' && fields.src === undefined) fields.arp = true;
      else if (fields.proto === 'TCP' && TCP_FLAGS.has(word)) fields.tcpFlags.push(word);
    }
    i = tokenEnd;
  }
  return fields;
}

const SPACE = 32;
const EQUALS = 61;
const OPEN_BRACKET = 91;
