import type { Category } from '../../domain/indicator.js';

// What the block page says, in Japanese and English. The reader is a subscriber who followed a link
// or whose device is infected, not a security person: plain words, what happened, what to do next.
// Placeholders in braces ({host}) are filled by page.ts, which escapes the values.

const en = {
  title: 'Access blocked',
  heading: 'Access to this site has been blocked',
  lead: '{host} is listed as a threat domain. Your device tried to reach it, so the connection was blocked.',
  lead_no_host: 'Your device tried to reach a threat domain, so the connection was blocked.',
  category_label: 'What this site is:',
  'category.c2': 'a server that remote-controls infected devices (C2)',
  'category.malware': 'a site that spreads viruses or other harmful software (malware)',
  'category.phishing': 'a fake site that pretends to be a real one to steal passwords or card numbers (phishing)',
  'category.botnet': 'a server used by a network of hijacked devices (botnet)',
  'category.spam': 'a site used to send or advertise junk e-mail (spam)',
  'category.scanner': 'a server that searches the internet for devices with weaknesses to attack (scanner)',
  'category.blocklist': "a site listed as dangerous on a security organisation's blocklist",
  'category.other': 'a site judged dangerous for another reason',
  'category.unknown': 'a site judged to be a threat',
  why_heading: 'Why am I seeing this page?',
  why_body:
    'To protect you from fraud and viruses, your internet provider stops connections to sites known to be ' +
    'dangerous. You may have opened a link in an e-mail, a message or an advert, or a device infected with a ' +
    'virus may have tried to connect on its own.',
  todo_heading: 'What you should do',
  todo_password:
    'Do not enter passwords, card numbers or other personal details on this site. If you already have, change ' +
    'that password now and tell your card company.',
  todo_scan: 'Run a full scan with antivirus software on your computer, smartphone or tablet.',
  todo_contact: 'If you did not expect this page or are unsure what to do, contact us and quote the reference number.',
  mistake: 'If you believe a safe site was blocked by mistake, please contact us as well.',
  contact_heading: 'Contact',
  contact_phone: 'Phone',
  contact_email: 'E-mail',
  contact_web: 'Web',
  reference_label: 'Reference number',
  reference_hint: 'Please quote this number when you contact us.',
  footer:
    'This page is shown by your internet provider to protect you. This connection did not reach the blocked site.',
} as const;

export type TextKey = keyof typeof en;

const ja: Record<TextKey, string> = {
  title: 'アクセスをブロックしました',
  heading: 'このサイトへのアクセスをブロックしました',
  lead: '{host} は脅威ドメインとして登録されています。脅威ドメインへアクセスしようとしたため、ブロックしました。',
  lead_no_host: 'お使いの機器が脅威ドメインへアクセスしようとしたため、ブロックしました。',
  category_label: 'このサイトの種類：',
  'category.c2': 'ウイルス等に感染した機器を遠隔操作するサーバー (C2)',
  'category.malware': 'ウイルスなどの不正なプログラムを配布するサイト (マルウェア)',
  'category.phishing': '本物のサイトを装ってパスワードやカード番号などをだまし取る偽サイト (フィッシング)',
  'category.botnet': '乗っ取られた機器のネットワークに使われているサーバー (ボットネット)',
  'category.spam': '迷惑メールの送信や宣伝に使われているサイト (スパム)',
  'category.scanner': 'インターネット上で弱点のある機器を探して攻撃するサーバー (スキャナー)',
  'category.blocklist': 'セキュリティ機関のブロックリストに危険なサイトとして登録されたサイト',
  'category.other': 'その他の理由で危険と判定されたサイト',
  'category.unknown': '危険と判定されたサイト',
  why_heading: 'なぜこのページが表示されたのですか',
  why_body:
    'ご契約のインターネット接続事業者は、お客さまを詐欺やウイルスの被害から守るため、危険と判明しているサイトへの' +
    '接続を止めています。メールや SNS のメッセージ、広告のリンクを開いた場合のほか、ウイルス等に感染した機器が' +
    '自動的に接続しようとした場合にも、このページが表示されます。',
  todo_heading: 'お願いしたいこと',
  todo_password:
    'このサイトにパスワードやクレジットカード番号などの個人情報を入力しないでください。すでに入力した場合は、' +
    'すぐにそのパスワードを変更し、カード会社にご連絡ください。',
  todo_scan: 'お使いのパソコン・スマートフォン・タブレットで、ウイルス対策ソフトによる全体スキャンを行ってください。',
  todo_contact: '心当たりがない場合やご不明な点がある場合は、参照番号を添えて下記の窓口へご連絡ください。',
  mistake: '安全なサイトが誤ってブロックされていると思われる場合も、同じ窓口へご連絡ください。',
  contact_heading: 'お問い合わせ先',
  contact_phone: '電話',
  contact_email: 'メール',
  contact_web: 'ウェブ',
  reference_label: '参照番号',
  reference_hint: 'お問い合わせの際に、この番号をお伝えください。',
  footer:
    'このページは、お客さまを保護するため、ご契約のインターネット接続事業者が表示しています。' +
    'この接続は、ブロックしたサイトには届いていません。',
};

/** Every category has a plain-words text: adding a category without one fails to compile here. */
export type CategoryTextKey = `category.${Category | 'unknown'}`;
const _everyCategoryHasText: CategoryTextKey extends TextKey ? true : never = true;

export const TEXTS = { ja, en } as const satisfies Record<string, Record<TextKey, string>>;
