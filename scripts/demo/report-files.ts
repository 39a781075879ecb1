// The demo's abuse reports as they arrive at abuse@: Shadowserver's daily sinkhole report (the infected machines'
// calls to sinkholed C2 names, by public address and, behind CGNAT, source port), spam complaints as ARF mails, and
// copyright notices as ACNS mails. One sinkhole row names an address no one held, so the unassigned queue has work.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../../bench/gen/random.js';
import { HOUR_MS, type Subscriber, type World } from './world.js';

const SINKHOLE_COLUMNS =
  '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_region","src_city","src_hostname","src_naics",' +
  '"src_sector","device_vendor","device_type","device_model","severity","dst_ip","dst_port","dst_asn","dst_geo",' +
  '"dst_region","dst_city","dst_hostname","dst_naics","dst_sector","public_source","infection","family","tag",' +
  '"application","version","event_id","ssl_cipher","ssl_servername"';

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

/** The address and port the outside world saw: the subscriber's own, or the CGNAT address and a port of its block. */
function seenFrom(s: Subscriber, rng: Random): { address: string; port: number } {
  return s.cgnat
    ? { address: s.cgnat.address, port: rng.between(s.cgnat.firstPort, s.cgnat.lastPort) }
    : { address: s.inside, port: rng.between(49152, 65535) };
}

/** Writes the reports into `dir` and returns their paths. */
export function writeReports(world: World, dir: string, seed = 17): string[] {
  const rng = new Random(seed);
  const files: string[] = [];

  const day = new Date(world.now).toISOString().slice(0, 10);
  const rows: string[] = [];
  for (const infection of world.infections) {
    for (let i = 0; i < 2; i++) {
      const at = Math.max(infection.since, world.now - 20 * HOUR_MS) + rng.int(3 * HOUR_MS);
      const from = seenFrom(infection.subscriber, rng);
      rows.push(sinkholeRow(at, from.address, from.port, infection.family));
    }
  }
  // Held by no one: 198.51.100.250 is outside every lease.
  rows.push(sinkholeRow(world.now - 5 * HOUR_MS, '198.51.100.250', 50123, 'mirai'));
  const shadowserver = join(dir, `${day}-event4_sinkhole-asn64500-jp.csv`);
  writeFileSync(shadowserver, `${SINKHOLE_COLUMNS}\n${rows.join('\n')}\n`);
  files.push(shadowserver);

  world.spammers.forEach((s, i) => {
    const file = join(dir, `arf-${i + 1}.eml`);
    writeFileSync(file, arfMail(s, world.now - (3 + i * 4) * HOUR_MS, i, rng));
    files.push(file);
  });
  world.sharers.forEach((s, i) => {
    const file = join(dir, `acns-${i + 1}.eml`);
    writeFileSync(file, acnsMail(s, world.now - (6 + i * 5) * HOUR_MS, i, rng));
    files.push(file);
  });
  return files;
}

function sinkholeRow(at: number, address: string, port: number, family: string): string {
  return (
    `"${utc(at)}","tcp","${address}",${port},64500,"JP","TOKYO","CHIYODA",,517311,` +
    `"Communications, Service Provider, and Hosting Service",,,,"critical","192.0.2.80",443,64510,"US",` +
    `"CALIFORNIA","SAN FRANCISCO",,518210,"Communications, Service Provider, and Hosting Service",,"${family}",` +
    `"${family}","${family}","https",,,,`
  );
}

function arfMail(s: Subscriber, at: number, n: number, rng: Random): string {
  const from = seenFrom(s, rng);
  const id = `arf-${n}-${rng.hex(8)}`;
  const boundary = `----=_Part_${rng.hex(12)}`;
  return [
    'From: Example Mail Abuse Desk <fbl@fbl.example.net>',
    'To: abuse@isp.example.jp',
    `Subject: FW: Spam from ${from.address}`,
    `Date: ${rfc2822(at + 10 * 60_000)}`,
    `Message-ID: <${id}@fbl.example.net>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="US-ASCII"',
    '',
    `This is an email abuse report for a message received from IP ${from.address} on ${rfc2822(at)}.`,
    '',
    `--${boundary}`,
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ExampleNet-FBL/3.2',
    'Version: 1',
    `Arrival-Date: ${rfc2822(at)}`,
    `Source-IP: ${from.address}`,
    // Behind CGNAT the address alone names a hundred subscribers: the port (RFC 6692) names one.
    ...(s.cgnat ? [`Source-Port: ${from.port}`] : []),
    'Reported-Domain: shop.example.com',
    '',
    `--${boundary}`,
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    `Received: from [${from.address}] by mx2.example.net (Postfix); ${rfc2822(at)}`,
    'From: "Watch Shop" <promo@shop.example.com>',
    'To: <hanako@example.net>',
    'Subject: Cheap watches for you',
    `Date: ${rfc2822(at)}`,
    '',
    'Genuine watches at 90% off: http://shop.example.com/watches',
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

function acnsMail(s: Subscriber, at: number, n: number, rng: Random): string {
  const from = seenFrom(s, rng);
  const caseId = rng.hex(20);
  const stamp = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    'From: Example Rights Protection <p2p@rights.example.com>',
    'To: abuse@isp.example.jp',
    `Subject: Notice of Claimed Infringement - Case ID ${caseId}`,
    `Date: ${rfc2822(at + 30 * 60_000)}`,
    `Message-ID: <${caseId}.${n}@rights.example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    'Dear Sir or Madam,',
    '',
    'We write on behalf of Example Pictures, Inc., the owner of exclusive rights in the work identified below.',
    '',
    'Evidentiary information:',
    'Protocol: BITTORRENT',
    'Infringed work: Harbour Lights',
    `Infringer's IP address: ${from.address}`,
    `Infringer's port: ${from.port}`,
    `Initial infringement timestamp: ${stamp}`,
    '',
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Infringement xmlns="http://www.acns.net/ACNS">',
    `  <Case><ID>${caseId}</ID><Status>Open</Status><Severity>Normal</Severity></Case>`,
    '  <Complainant><Entity>Example Pictures, Inc.</Entity><Email>p2p@rights.example.com</Email></Complainant>',
    '  <Service_Provider><Entity>Example ISP K.K.</Entity><Email>abuse@isp.example.jp</Email></Service_Provider>',
    '  <Source>',
    `    <TimeStamp>${stamp}</TimeStamp>`,
    `    <IP_Address>${from.address}</IP_Address>`,
    `    <Port>${from.port}</Port>`,
    '    <Type>BitTorrent</Type>',
    '  </Source>',
    '  <Content><Item>',
    `    <TimeStamp>${stamp}</TimeStamp>`,
    '    <Title>Harbour Lights</Title>',
    '    <FileName>Harbour.Lights.S02E04.1080p.WEB.h264-EXAMPLE.mkv</FileName>',
    '  </Item></Content>',
    '</Infringement>',
    '',
  ].join('\n');
}
