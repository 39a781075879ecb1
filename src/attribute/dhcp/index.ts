export { dnsmasq } from './dnsmasq.js';
export { iscDhcpd } from './isc-dhcpd.js';
export { keaCsv } from './kea-csv.js';
export { keaLegal } from './kea-legal.js';
