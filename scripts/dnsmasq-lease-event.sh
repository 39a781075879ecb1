#!/bin/sh
# dnsmasq --dhcp-script for Mizugiwa: appends one line per lease event to a file that the `dnsmasq` lease
# format reads (src/attribute/dhcp/dnsmasq.ts). dnsmasq's lease file only says who holds what now; these
# lines say when a lease began, was renewed and ended, which is what attribution needs.
#
#   dnsmasq --dhcp-script=/usr/local/lib/mizugiwa/dnsmasq-lease-event.sh --script-on-renewal ...
#
# The file is the argument of `-f PATH` (for a wrapper that calls this script with `-f PATH "$@"`), else
# $MIZUGIWA_DNSMASQ_EVENTS (dnsmasq passes its own environment on to the script), else
# /var/lib/misc/dnsmasq.lease-events. dnsmasq runs the script as root unless --dhcp-scriptuser says otherwise,
# and one at a time, so lines never interleave with each other; each line is still written in one write so that
# a reader tailing the file never sees half of one.
#
# A line (fields separated by one space; values hold only A-Z a-z 0-9 . _ : / , + @ -, anything else becomes _):
#
#   <unix time> <add|old|del> <MAC, or DUID for DHCPv6> <address> <hostname or -> [name=value ...]
#
# names: expires (DNSMASQ_LEASE_EXPIRES, 0 = infinite), length (DNSMASQ_LEASE_LENGTH, HAVE_BROKEN_RTC builds),
# remaining (DNSMASQ_TIME_REMAINING), interface, relay, circuit-id, remote-id, subscriber-id, client-id, mac
# (DHCPv6), iaid, domain, tags (comma-separated), old-hostname, data-missing (1 when dnsmasq had only what its
# lease file keeps: the "old" lines at start-up and, in 2.90, at renewals).
#
# Other actions (init, tftp, arp-add, arp-del, relay-snoop) write nothing. Not for --leasefile-ro, where "init"
# must print the lease database.

file=${MIZUGIWA_DNSMASQ_EVENTS:-/var/lib/misc/dnsmasq.lease-events}
if [ "$1" = -f ] && [ $# -ge 2 ]; then
  file=$2
  shift 2
fi

case $1 in
  add | old | del) ;;
  *) exit 0 ;;
esac

# The value, at most 300 bytes, with every character outside the safe set replaced by _ (a tr only when needed:
# the script runs for every renewal of every lease).
clean() {
  case $1 in
    *[!A-Za-z0-9._:/,+@-]*) printf '%.300s' "$1" | tr -c 'A-Za-z0-9._:/,+@-' '_' ;;
    *) printf '%.300s' "$1" ;;
  esac
}

line="$(date +%s) $1 $(clean "$2") $(clean "$3") $(clean "${4:--}")"

field() {
  if [ -n "$2" ]; then line="$line $1=$(clean "$2")"; fi
}

field expires "$DNSMASQ_LEASE_EXPIRES"
field length "$DNSMASQ_LEASE_LENGTH"
field remaining "$DNSMASQ_TIME_REMAINING"
field interface "$DNSMASQ_INTERFACE"
field relay "$DNSMASQ_RELAY_ADDRESS"
field circuit-id "$DNSMASQ_CIRCUIT_ID"
field remote-id "$DNSMASQ_REMOTE_ID"
field subscriber-id "$DNSMASQ_SUBSCRIBER_ID"
field client-id "$DNSMASQ_CLIENT_ID"
field mac "$DNSMASQ_MAC"
field iaid "$DNSMASQ_IAID"
field domain "$DNSMASQ_DOMAIN"
if [ -n "$DNSMASQ_TAGS" ]; then field tags "$(printf '%s' "$DNSMASQ_TAGS" | tr ' ' ',')"; fi
field old-hostname "$DNSMASQ_OLD_HOSTNAME"
field data-missing "$DNSMASQ_DATA_MISSING"

printf '%s\n' "$line" >>"$file"
