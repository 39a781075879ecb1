// The Unassigned reports screen's messages; ja is typed by en, so a key missing in either fails the web type check.
export const unassignedEn = {
  title: 'Unassigned reports',
  intro:
    'Events from reports that no subscriber could be found for, with the reason. Look them up again once a late lease log or subscriber list is in, or give one to a subscriber by hand when you know who it was.',
  retryAll: 'Retry attribution',
  retryReason: 'Retry “{{reason}}”',
  retrying: 'Looking up…',
  retried:
    'Looked up {{retried}} events again: {{attributed}} given to subscribers ({{casesOpened}} new cases), {{unassigned}} still unassigned.',
  reasonFilter: 'Filter by reason',
  allReasons: 'All ({{count}})',
  empty: 'The queue is empty: every event found its subscriber.',
  emptyReason: 'No event waits for this reason.',
  reasons: {
    'no-address': 'No address',
    'outside-prefixes': 'Not our network',
    'no-lease': 'No lease',
    ambiguous: 'Ambiguous',
    'no-subscriber-record': 'No subscriber record',
  },
  reasonHelp: {
    'no-address':
      'The report names no IP address (only a URL or a domain): give it to a subscriber by hand if you know who.',
    'outside-prefixes':
      'The address is outside the ISP’s own prefixes (abuse.own_prefixes): usually not ours to act on.',
    'no-lease': 'No lease covered the address at that time. The lease log may arrive late: retry once it is imported.',
    ambiguous: 'More than one subscriber could have held it (CGNAT without a port, overlapping leases).',
    'no-subscriber-record':
      'A lease names a subscriber key no subscriber record carries: import the subscriber list, then retry.',
  },
  columns: {
    occurred: 'Happened',
    type: 'Class',
    source: 'Reported address',
    reason: 'Reason',
    reporter: 'Reporter',
    received: 'Received',
    actions: 'Actions',
  },
  assign: {
    open: 'Assign…',
    explain:
      'Give event {{id}} to a subscriber: it joins their open case of this class, or opens one. Recorded with your reason.',
    subscriber: 'Subscriber ID',
    reason: 'Reason',
    confirm: 'Assign',
    opened: 'Event {{id}} was given to {{subscriber}} in a new case:',
    joined: 'Event {{id}} was given to {{subscriber}} and joined',
  },
};

export const unassignedJa: typeof unassignedEn = {
  title: '未割当',
  intro:
    '加入者を特定できなかった通報のイベントと、その理由です。遅れて届いたリース記録や加入者一覧を取り込んだら再照会し、誰か分かっている場合は手で加入者に割り当てます。',
  retryAll: '割り当てを再照会',
  retryReason: '「{{reason}}」を再照会',
  retrying: '照会中…',
  retried:
    '{{retried}} 件を再照会しました。{{attributed}} 件を加入者に割り当て（新規ケース {{casesOpened}} 件）、{{unassigned}} 件は未割り当てのままです。',
  reasonFilter: '理由で絞り込み',
  allReasons: 'すべて（{{count}}）',
  empty: 'キューは空です。すべてのイベントが加入者に割り当てられました。',
  emptyReason: 'この理由で待っているイベントはありません。',
  reasons: {
    'no-address': 'アドレスなし',
    'outside-prefixes': '自網外',
    'no-lease': 'リースなし',
    ambiguous: '特定不能',
    'no-subscriber-record': '加入者記録なし',
  },
  reasonHelp: {
    'no-address': '通報に IP アドレスがありません（URL やドメインのみ）。誰か分かる場合は手で割り当ててください。',
    'outside-prefixes': 'アドレスが自網のプレフィックス（abuse.own_prefixes）の外です。通常は対応の対象外です。',
    'no-lease':
      'その時刻にアドレスを割り当てたリースがありません。リース記録が遅れて届くことがあります。取り込んでから再照会してください。',
    ambiguous: '複数の加入者が該当します（ポートのない CGNAT、重なったリース）。',
    'no-subscriber-record':
      'リースの加入者キーに対応する加入者記録がありません。加入者一覧を取り込んでから再照会してください。',
  },
  columns: {
    occurred: '発生日時',
    type: '種別',
    source: '通報されたアドレス',
    reason: '理由',
    reporter: '通報元',
    received: '受信',
    actions: '操作',
  },
  assign: {
    open: '割り当て…',
    explain:
      'イベント {{id}} を加入者に割り当てます。その加入者のこの種別の未完了ケースに加わるか、新しいケースになります。理由とともに記録されます。',
    subscriber: '加入者 ID',
    reason: '理由',
    confirm: '割り当てる',
    opened: 'イベント {{id}} を {{subscriber}} の新しいケースに割り当てました:',
    joined: 'イベント {{id}} を {{subscriber}} に割り当てました。追加先:',
  },
};
