// What the notice page says to a subscriber in the walled garden, in Japanese and English. Every
// name they look up leads here until the restriction is lifted, so the page has to stand on its own:
// that the connection is restricted and why, which case it is, what to do, how to get it lifted.
// The reader is a household or a small office, not a security person: plain words, concrete steps,
// and no accusation (a copyright report says what was seen, never that they did it on purpose).

/** Classes of problem that share the same advice; an RSIT type maps to one (problemGroup). */
export const PROBLEM_GROUPS = [
  'infected',
  'vulnerable',
  'attacking',
  'spam',
  'copyright',
  'phishing',
  'other',
] as const;
export type ProblemGroup = (typeof PROBLEM_GROUPS)[number];

const GROUP_OF: Record<string, ProblemGroup> = {
  'infected-system': 'infected',
  'c2-server': 'infected',
  'malware-distribution': 'infected',
  'malware-configuration': 'infected',
  'system-compromise': 'infected',
  'application-compromise': 'infected',
  'privileged-account-compromise': 'infected',
  'unprivileged-account-compromise': 'infected',
  'vulnerable-system': 'vulnerable',
  'ddos-amplifier': 'vulnerable',
  'potentially-unwanted-accessible': 'vulnerable',
  'weak-crypto': 'vulnerable',
  'information-disclosure': 'vulnerable',
  scanner: 'attacking',
  'brute-force': 'attacking',
  exploit: 'attacking',
  'ids-alert': 'attacking',
  ddos: 'attacking',
  dos: 'attacking',
  spam: 'spam',
  copyright: 'copyright',
  phishing: 'phishing',
  masquerade: 'phishing',
};

/** The advice a case's class (its RSIT type) gets on the notice page. */
export function problemGroup(type: string): ProblemGroup {
  return GROUP_OF[type] ?? 'other';
}

type Problem = { what: string; steps: readonly string[] };

type RestrictedTexts = {
  title: string;
  heading: string;
  lead: string;
  case_label: string;
  since_label: string;
  problem_heading: string;
  todo_heading: string;
  after_heading: string;
  after_body: string;
  reference_label: string;
  reference_hint: string;
  contact_heading: string;
  footer: string;
  problems: Record<ProblemGroup, Problem>;
};

const en: RestrictedTexts = {
  title: 'Internet access restricted',
  heading: 'Your internet connection is temporarily restricted',
  lead:
    'We have received reports of a security problem with a device on your connection. Until it is fixed, ' +
    'every website you try to open shows this page instead. This protects you and other people; your ' +
    'contract has not been cancelled.',
  case_label: 'Case number',
  since_label: 'Restricted since',
  problem_heading: 'What was reported',
  todo_heading: 'What to do',
  after_heading: 'When you have done this',
  after_body:
    'Contact us and quote the case number. Once we have checked with you, we lift the restriction and ' +
    'your connection works as before.',
  reference_label: 'Reference number of this page',
  reference_hint: 'Please quote the case number and this number when you contact us.',
  contact_heading: 'Contact',
  footer:
    'This page is shown by your internet provider. Other websites cannot be reached from your connection ' +
    'until the restriction is lifted.',
  problems: {
    infected: {
      what:
        'A device on your connection (a computer, smartphone, router, camera or other device) appears to be ' +
        "infected with malware and is communicating with criminals' servers.",
      steps: [
        'Run a full scan with up-to-date antivirus software on every computer and smartphone, and remove what it finds.',
        'Update the operating system and apps, and the firmware of your router and other connected devices, then restart them.',
        'From a device you know is clean, change the passwords of your router, e-mail and other important accounts.',
      ],
    },
    vulnerable: {
      what:
        'A device on your connection (often a router, network camera, recorder or network storage) can be ' +
        'reached from the internet and has a known weakness that lets attackers take it over.',
      steps: [
        "Update the device's firmware to the latest version from the manufacturer.",
        'Change any factory-set or simple password to a long one used nowhere else.',
        'Turn off access from the internet (remote management, UPnP, port forwarding) unless you need it.',
      ],
    },
    attacking: {
      what:
        'A device on your connection has been sending attacks or scans to other computers on the internet. ' +
        'It has most likely been taken over without your knowledge.',
      steps: [
        'Find the device: check routers, network cameras and recorders first, and unplug devices you do not use.',
        'Reset that device to its factory settings, update its firmware and set a strong password.',
        'Scan your computers with up-to-date antivirus software.',
      ],
    },
    spam: {
      what:
        'Large amounts of unwanted e-mail (spam) have been sent from your connection, usually by malware or ' +
        'through a stolen e-mail password.',
      steps: [
        'Scan every computer with up-to-date antivirus software.',
        'Change the passwords of your e-mail accounts.',
        'If you run a mail server, make sure it does not pass on mail for others.',
      ],
    },
    copyright: {
      what:
        'A rights holder has reported that a copyrighted work was shared from your connection, for example ' +
        'by a file-sharing (P2P) application. This does not mean you did it on purpose.',
      steps: [
        'Check every device for file-sharing applications (BitTorrent and similar) and stop or remove them.',
        'Make sure your Wi-Fi has a password that only your household knows.',
      ],
    },
    phishing: {
      what:
        'A fraudulent website (phishing) was reported at your connection: a server or website you run may ' +
        'have been broken into.',
      steps: [
        'Look for files and pages on your servers and websites that you did not create, and remove them.',
        'Update the software and change the administrator passwords.',
      ],
    },
    other: {
      what: 'A security problem was reported concerning a device on your connection.',
      steps: ['Contact us with the case number: we will explain what was reported and how to fix it.'],
    },
  },
};

const ja: RestrictedTexts = {
  title: 'インターネットのご利用を制限しています',
  heading: 'お客さまのインターネット接続を一時的に制限しています',
  lead:
    'お客さまの回線に接続された機器について、セキュリティ上の問題の報告を受けました。問題が解決するまで、' +
    'どのウェブサイトを開いてもこのページが表示されます。お客さまと周りの方々を守るための措置で、' +
    'ご契約が解除されたわけではありません。',
  case_label: 'ケース番号',
  since_label: '制限開始',
  problem_heading: '報告された内容',
  todo_heading: 'お願いしたいこと',
  after_heading: '対処が済んだら',
  after_body:
    'ケース番号を添えて、下記の窓口へご連絡ください。状況を確認のうえ制限を解除し、これまでどおりご利用いただけるようにします。',
  reference_label: 'このページの参照番号',
  reference_hint: 'お問い合わせの際に、ケース番号とこの番号をお伝えください。',
  contact_heading: 'お問い合わせ先',
  footer:
    'このページは、ご契約のインターネット接続事業者が表示しています。制限が解除されるまで、' +
    'お客さまの回線から他のウェブサイトにはつながりません。',
  problems: {
    infected: {
      what:
        'お客さまの回線に接続された機器（パソコン、スマートフォン、ルーター、カメラなど）がウイルス等に感染し、' +
        '犯罪者のサーバーと通信しているとみられます。',
      steps: [
        'すべてのパソコンとスマートフォンで、最新のウイルス対策ソフトによる全体スキャンを行い、見つかったものを駆除してください。',
        'OS やアプリ、ルーターなど接続機器のファームウェアを最新にしてから、再起動してください。',
        '安全が確認できた機器から、ルーター・メールなど大切なアカウントのパスワードを変更してください。',
      ],
    },
    vulnerable: {
      what:
        'お客さまの回線に接続された機器（ルーター、ネットワークカメラ、レコーダー、NAS など）がインターネットから' +
        '接続できる状態にあり、乗っ取りに使われる既知の弱点があります。',
      steps: [
        'メーカーが提供する最新のファームウェアに更新してください。',
        '初期設定のままのパスワードや簡単なパスワードを、他で使っていない長いものに変更してください。',
        '必要がなければ、インターネットからの接続（リモート管理、UPnP、ポート開放）を無効にしてください。',
      ],
    },
    attacking: {
      what:
        'お客さまの回線に接続された機器から、インターネット上の他のコンピューターへ攻撃や探索が行われています。' +
        '知らないうちに機器が乗っ取られている可能性が高い状態です。',
      steps: [
        'どの機器かを確かめてください。ルーター、ネットワークカメラ、レコーダーから確認し、使っていない機器は電源を抜いてください。',
        'その機器を工場出荷時の状態に戻し、ファームウェアを更新して、強いパスワードを設定してください。',
        'パソコンは最新のウイルス対策ソフトでスキャンしてください。',
      ],
    },
    spam: {
      what:
        'お客さまの回線から迷惑メール（スパム）が大量に送信されています。多くはウイルス感染や、' +
        '盗まれたメールのパスワードによるものです。',
      steps: [
        'すべてのパソコンで、最新のウイルス対策ソフトによるスキャンを行ってください。',
        'メールアカウントのパスワードを変更してください。',
        'メールサーバーを運用している場合は、第三者のメールを中継していないか確認してください。',
      ],
    },
    copyright: {
      what:
        '著作権者から、お客さまの回線でファイル共有（P2P）ソフトなどにより著作物が共有されたとの報告がありました。' +
        'お客さまが意図して行ったと判断したものではありません。',
      steps: [
        'すべての機器でファイル共有ソフト（BitTorrent など）が動いていないか確認し、停止または削除してください。',
        'Wi-Fi にご家庭の方だけが知るパスワードが設定されているか確認してください。',
      ],
    },
    phishing: {
      what:
        'お客さまの回線で詐欺サイト（フィッシングサイト）が報告されました。運用中のサーバーやウェブサイトが' +
        '不正に侵入されている可能性があります。',
      steps: [
        'サーバーやウェブサイトに、作成した覚えのないファイルやページがないか確認し、削除してください。',
        'ソフトウェアを更新し、管理者パスワードを変更してください。',
      ],
    },
    other: {
      what: 'お客さまの回線に接続された機器について、セキュリティ上の問題が報告されました。',
      steps: ['ケース番号を添えてご連絡ください。報告の内容と対処方法をご説明します。'],
    },
  },
};

export const RESTRICTED_TEXTS = { ja, en } as const;
