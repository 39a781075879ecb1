import { a10, ciscoCgn, juniperPba, vppNat } from './cgnat/index.js';
import { dnsmasq } from './dhcp/dnsmasq.js';
import { iscDhcpd } from './dhcp/isc-dhcpd.js';
import { keaCsv } from './dhcp/kea-csv.js';
import { keaLegal } from './dhcp/kea-legal.js';
import type { LeaseFormat, LeaseFormatName } from './lease-format.js';
import { freeradiusDetail } from './radius/freeradius-detail.js';
import { radacctCsv } from './radius/radacct-csv.js';
import { staticCsv } from './static/index.js';

/** Every lease format by the name configs and `attribute import --format` use. */
export const LEASE_FORMATS: Readonly<Record<LeaseFormatName, LeaseFormat>> = {
  'freeradius-detail': freeradiusDetail,
  radacct: radacctCsv,
  'isc-dhcpd': iscDhcpd,
  'kea-csv': keaCsv,
  'kea-legal': keaLegal,
  dnsmasq,
  'juniper-pba': juniperPba,
  a10,
  'cisco-cgn': ciscoCgn,
  'vpp-nat': vppNat,
  'static-csv': staticCsv,
};
