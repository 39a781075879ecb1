#!/usr/bin/env bash
# Installs the Debian packages that the end-to-end tests and benchmarks start for real.
# Idempotent: packages already present are left alone. Later issues append theirs to PACKAGES.
set -euo pipefail

PACKAGES=(
  postgresql-client   # psql, for the PostgreSQL store suite and its diagnostics
  sqlite3             # the sqlite3 shell, used to tamper with the audit trail in tests
  chromium            # the headless browser the UI tests drive through playwright-core
  wrk                 # external HTTP load generator for the API benchmark (peer of autocannon)
  fonts-noto-cjk      # Japanese glyphs, so browser screenshots of the ja UI show text, not boxes
  openssl             # makes the throw-away TLS certificates the feed-download tests serve with
  unbound             # RPZ secondary of Mizugiwa's primary (AXFR/IXFR, NOTIFY), and its file-load peer
  bind9               # named: RPZ secondary with TSIG, and the local authoritative server for test zones
  bind9-dnsutils      # dig, to ask the resolvers in the enforcement tests
  squid               # proxy that reads the dstdomain/dst ACL files Mizugiwa publishes
  nftables            # nft, to load the mizugiwa table inside a test network namespace
  iproute2            # ip netns, veth pairs for the firewall test
  postfix             # mail server that reads the client/sender access maps Mizugiwa publishes
  swaks               # SMTP client that speaks to Postfix in the mail test
  curl                # fetches the block page from the sinkhole in the DNS end-to-end test
  fstrm-bin           # fstrm_capture: the reference Frame Streams receiver the dnstap receiver is checked against
  dnstap-ldns         # dnstap-ldns: the reference dnstap decoder for the recorded streams
  dnsperf             # drives real Unbound at its maximum rate in the dnstap benchmark
  logrotate           # rotates logs (create, copytruncate) under the file tailer in its tests
  bsdutils            # logger: sends RFC 3164 and RFC 5424 messages over UDP and TCP to the syslog server
  freeradius          # writes the detail file the attribution tests tail, from radclient's accounting
  freeradius-utils    # radclient: sends Start/Interim-Update/Stop to FreeRADIUS and to Mizugiwa's RADIUS server
  freeradius-postgresql # the stock radacct schema (PostgreSQL) for the radacct import tests and the attribution peer
  freeradius-mysql    # the stock radacct schema (MySQL/MariaDB) for the radacct import tests
  kea-dhcp4-server    # Kea gives a client in a network namespace a lease; its memfile CSV is ingested
  isc-dhcp-server     # ISC dhcpd, whose dhcpd.leases journal is ingested
  isc-dhcp-client     # dhclient: the DHCP client inside the test namespaces
  dnsmasq-base        # dnsmasq (without the DNS service): its lease file and --dhcp-script events
  dovecot-imapd       # the IMAP mailbox the abuse desk polls for reports
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The daemons in this list are started by the tests themselves, on loopback and high ports; none may
# start as a system service on install (unbound on :53, postfix on :25, squid on :3128), so service
# starts are refused while installing, and postfix is installed without a configuration of its own.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi
echo 'postfix postfix/main_mailer_type select No configuration' | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
