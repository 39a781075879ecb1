import type { RsitType } from '../../domain/abuse-event.js';
import type { Locale } from '../../i18n/messages.js';

// Words a subscriber reads in a notice that come from data rather than from a template: the name of a
// class of problem, who reported it, what a port is used for. Plain words first, the technical term after.

const TYPE_LABELS: Record<RsitType, { ja: string; en: string }> = {
  spam: { ja: '迷惑メール（スパム）の送信', en: 'sending junk e-mail (spam)' },
  'harmful-speech': { ja: '有害な情報の発信', en: 'harmful content' },
  violence: { ja: '暴力的な内容の発信', en: 'violent content' },
  'infected-system': { ja: 'ウイルス（マルウェア）感染の疑い', en: 'a device that appears to be infected (malware)' },
  'c2-server': {
    ja: '感染した機器を遠隔操作するサーバー（C2 サーバー）としての動作',
    en: 'a server controlling infected devices (C2 server)',
  },
  'malware-distribution': { ja: 'ウイルス（マルウェア）の配布', en: 'spreading malware' },
  'malware-configuration': { ja: 'ウイルス（マルウェア）の設定情報の配布', en: 'hosting malware configuration' },
  scanner: { ja: '他のコンピューターへの無差別な接続（スキャン）', en: 'scanning other computers' },
  sniffing: { ja: '通信の盗聴', en: 'eavesdropping on network traffic' },
  'social-engineering': { ja: 'だましによる情報収集', en: 'gathering information by deception' },
  'ids-alert': { ja: '不正侵入検知システムによる警告', en: 'an intrusion detection alert' },
  'brute-force': {
    ja: 'パスワードの総当たりによる不正ログインの試み',
    en: 'attempts to log in to other computers by guessing passwords (brute force)',
  },
  exploit: { ja: '弱点（脆弱性）を突いた攻撃の試み', en: 'attempts to exploit a weakness in other computers' },
  'privileged-account-compromise': { ja: '管理者アカウントの乗っ取り', en: 'a hijacked administrator account' },
  'unprivileged-account-compromise': { ja: 'アカウントの乗っ取り', en: 'a hijacked user account' },
  'application-compromise': { ja: 'ソフトウェアの乗っ取り', en: 'a compromised application' },
  'system-compromise': { ja: '機器の乗っ取り', en: 'a compromised device' },
  burglary: { ja: '機器の盗難', en: 'a stolen device' },
  ddos: {
    ja: '大量の通信による攻撃（DDoS 攻撃）への関与',
    en: 'taking part in an attack by flooding (DDoS)',
  },
  dos: { ja: 'サービス妨害攻撃（DoS 攻撃）への関与', en: 'taking part in a denial-of-service attack (DoS)' },
  outage: { ja: 'サービスの停止', en: 'a service outage' },
  sabotage: { ja: '妨害行為', en: 'sabotage' },
  'unauthorised-information-access': { ja: '情報への不正アクセス', en: 'unauthorised access to information' },
  'unauthorised-information-modification': { ja: '情報の不正な書き換え', en: 'unauthorised change of information' },
  'data-loss': { ja: 'データの消失', en: 'loss of data' },
  'data-leak': { ja: '情報の漏えい', en: 'a data leak' },
  'unauthorised-use-of-resources': { ja: '設備の不正利用', en: 'unauthorised use of resources' },
  copyright: {
    ja: 'ファイル共有ソフトによる著作物の公開',
    en: 'sharing a copyrighted work through file-sharing software',
  },
  masquerade: { ja: 'なりすまし', en: 'impersonation' },
  phishing: {
    ja: '偽サイト（フィッシングサイト）の公開',
    en: 'a fake website that steals passwords (phishing)',
  },
  'weak-crypto': { ja: '弱い暗号設定', en: 'weak encryption settings' },
  'ddos-amplifier': {
    ja: '攻撃に悪用されるおそれのある機器（DDoS 攻撃の踏み台）',
    en: 'a device that can be misused to amplify attacks (DDoS amplifier)',
  },
  'potentially-unwanted-accessible': {
    ja: 'インターネットから接続できる状態の機器やサービス',
    en: 'a device or service reachable from the internet that usually should not be',
  },
  'information-disclosure': { ja: '情報が外部から見える状態', en: 'information visible from the internet' },
  'vulnerable-system': {
    ja: '弱点（脆弱性）のある機器',
    en: 'a device with a known weakness (vulnerability)',
  },
  other: { ja: 'その他の問題', en: 'another problem' },
  undetermined: { ja: '内容を特定できない問題', en: 'a problem not yet classified' },
  test: { ja: 'テスト', en: 'a test' },
};

export function typeLabel(type: string, locale: Locale): string {
  return (TYPE_LABELS as Record<string, { ja: string; en: string } | undefined>)[type]?.[locale] ?? type;
}

/** Reporters whose name alone would mean nothing to a subscriber. */
const REPORTERS: Record<string, { ja: string; en: string }> = {
  shadowserver: {
    ja: 'The Shadowserver Foundation（インターネットの安全のために調査と情報提供を行う非営利団体）',
    en: 'The Shadowserver Foundation (a non-profit organisation that monitors the internet for security problems)',
  },
  jpcert: {
    ja: 'JPCERT コーディネーションセンター（JPCERT/CC）',
    en: 'JPCERT Coordination Center (JPCERT/CC)',
  },
  nict: {
    ja: '情報通信研究機構（NICT）',
    en: 'the National Institute of Information and Communications Technology (NICT)',
  },
  notice: {
    ja: 'NOTICE（総務省・NICT・インターネットプロバイダによる IoT 機器の調査）',
    en: 'NOTICE (a survey of IoT devices by the Ministry of Internal Affairs and Communications, NICT and internet providers)',
  },
  mizugiwa: { ja: '当社のセキュリティ監視', en: 'our own security monitoring' },
};

export function reporterLabel(reporter: string, locale: Locale): string {
  return REPORTERS[reporter.toLowerCase()]?.[locale] ?? reporter;
}

/** The services a port is best known for: a subscriber recognises "Telnet" or "リモートデスクトップ" sooner than 23 or 3389. */
const SERVICES: Record<number, { ja: string; en: string }> = {
  19: { ja: 'chargen', en: 'chargen' },
  21: { ja: 'FTP（ファイル転送）', en: 'FTP (file transfer)' },
  22: { ja: 'SSH（遠隔ログイン）', en: 'SSH (remote login)' },
  23: { ja: 'Telnet（遠隔ログイン）', en: 'Telnet (remote login)' },
  25: { ja: 'SMTP（メール送信）', en: 'SMTP (mail)' },
  53: { ja: 'DNS（名前解決）', en: 'DNS (name look-ups)' },
  80: { ja: 'HTTP（ウェブ）', en: 'HTTP (web)' },
  111: { ja: 'portmap', en: 'portmap' },
  123: { ja: 'NTP（時刻合わせ）', en: 'NTP (time)' },
  137: { ja: 'NetBIOS（Windows のファイル共有）', en: 'NetBIOS (Windows file sharing)' },
  161: { ja: 'SNMP（機器の管理）', en: 'SNMP (device management)' },
  389: { ja: 'LDAP', en: 'LDAP' },
  443: { ja: 'HTTPS（ウェブ）', en: 'HTTPS (web)' },
  445: { ja: 'SMB（Windows のファイル共有）', en: 'SMB (Windows file sharing)' },
  554: { ja: 'RTSP（カメラの映像配信）', en: 'RTSP (camera video)' },
  1900: { ja: 'SSDP（UPnP による機器の自動設定）', en: 'SSDP (UPnP device discovery)' },
  2323: { ja: 'Telnet（遠隔ログイン）', en: 'Telnet (remote login)' },
  3306: { ja: 'MySQL（データベース）', en: 'MySQL (database)' },
  3389: { ja: 'リモートデスクトップ（RDP）', en: 'Remote Desktop (RDP)' },
  5060: { ja: 'SIP（IP 電話）', en: 'SIP (internet telephony)' },
  5432: { ja: 'PostgreSQL（データベース）', en: 'PostgreSQL (database)' },
  5900: { ja: 'VNC（画面共有）', en: 'VNC (screen sharing)' },
  6379: { ja: 'Redis（データベース）', en: 'Redis (database)' },
  8080: { ja: 'HTTP（ウェブ・管理画面）', en: 'HTTP (web, admin pages)' },
  9200: { ja: 'Elasticsearch（データベース）', en: 'Elasticsearch (database)' },
  11211: { ja: 'memcached', en: 'memcached' },
  27017: { ja: 'MongoDB（データベース）', en: 'MongoDB (database)' },
};

export function serviceLabel(port: number | null | undefined, locale: Locale): string | undefined {
  return port === null || port === undefined ? undefined : SERVICES[port]?.[locale];
}
