// Every message a person reads from the API or CLI, in English and Japanese. The web UI has its own
// dictionaries (web/src/i18n); notices and the block page will have theirs.

const en = {
  'auth.required': 'Sign in or send an API token (Authorization: Bearer …).',
  'auth.invalid_credentials': 'The user name or password is wrong.',
  'auth.invalid_token': 'The API token is unknown, revoked or expired.',
  'auth.session_expired': 'Your session has ended. Sign in again.',
  'auth.forbidden': 'Your role ({role}) may not do this; it needs the "{permission}" permission.',
  'auth.csrf': 'The request is missing its CSRF token (header x-csrf-token). Reload the page and try again.',
  'auth.disabled': 'This user is disabled.',
  'auth.wrong_current_password': 'The current password is wrong.',
  'auth.password_weak': 'The new password is too short: it needs at least {min} characters.',
  'auth.must_change_password': 'Change your one-time password before doing anything else.',
  'auth.too_many_attempts': 'Too many sign-in attempts from your address. Wait {seconds} seconds and try again.',
  'user.exists': 'A user named "{username}" already exists.',
  'user.not_found': 'There is no user named "{username}".',
  'user.bad_name': 'User names are 2–64 letters, digits, ".", "_" or "-", starting with a letter or digit.',
  'user.last_admin': 'This is the last active admin; add another admin before disabling or demoting it.',
  'token.not_found': 'There is no API token with id {id}.',
  'token.bad_expiry': 'The expiry must be a future time (ISO 8601) or a duration such as 30d or 12h.',
  'purpose.required':
    'Reading subscriber data needs a purpose, and is recorded: one of abuse-notice, security-incident, legal-disclosure, police-request, customer-request, other.',
  'purpose.unknown':
    'That purpose is not on the list: use abuse-notice, security-incident, legal-disclosure, police-request, customer-request or other.',
  'purpose.other_needs_text': 'The purpose "other" needs a few words saying why (at least 5 characters).',
  'attribute.bad_address':
    '"{address}" is not an IP address (write 192.0.2.7, 192.0.2.7:51234, 2001:db8::1 or [2001:db8::1]:443).',
  'attribute.bad_time': '"{at}" is not a time: write ISO 8601 with a zone, such as 2026-11-24T10:00:00+09:00.',
  'subscriber.not_found': 'There is no subscriber with id "{id}".',
  'deadletter.not_found': 'There is no dead letter with id {id}.',
  'deadletter.no_replayer':
    'No parser named "{format}" is loaded, so dead letters of that format cannot be replayed yet.',
  'job.not_found': 'There is no job with id {id}.',
  'intel.source_not_found': 'There is no intel source named "{name}".',
  'intel.not_held': 'Source "{name}" has no held snapshot to approve.',
  'intel.source_not_configured':
    'Source "{name}" is not in the config file (it only holds imports), so there is nothing to fetch: import a file instead.',
  'intel.fetch_running': 'Source "{name}" is already being fetched (job {job}); follow that job instead.',
  'intel.allowlist_entry_not_found': 'There is no entry with id "{id}" in the console allowlist.',
  'intel.allowlist_entry_exists':
    'The console allowlist already has {entry} (until {until}); remove it first to change it.',
  'intel.allowlist_too_broad':
    'The network {value} is too large for the console allowlist (at most /{min} for IPv{family}): list it in a reviewed allowlist file of the config instead.',
  'intel.allowlist_unwritable':
    'The console allowlist {file} cannot be written ({reason}): set intel.console_allowlist.file to a path the server may write, such as one under data_dir.',
  'enforce.unknown_point': 'There is no enforcement point "{point}"; the points are {points}.',
  'enforce.point_disabled': 'Enforcement point "{point}" is not enabled (enforce.{point}.enabled in the config).',
  'enforce.not_held': 'Enforcement point "{point}" has no held version to approve.',
  'enforce.held_changed':
    'What {point} would publish has changed since version {version} was held; it is held again as version {next}. Review it with `mizugiwa enforce diff {point}` and approve again.',
  'alert.enforce.held':
    '{point}: version {version} was not published: {reasons}. The previous version stays live. Review and approve it on the Enforcement screen, or with `mizugiwa enforce diff {point}` and `mizugiwa enforce approve {point}`.',
  'alert.enforce.failed':
    '{point}: version {version} could not be applied ({error}). The previous files stay live; fix the device or its reload command.',
  'abuse.report_not_found': 'There is no abuse report with id {id}.',
  'abuse.case_not_found': 'There is no case with id {id}.',
  'abuse.case_restrict_via_approval':
    'Case {id} is restricted only through a restriction request and its approval (`mizugiwa abuse restrict {id}`), so that the subscriber is really walled in when the case says so.',
  'abuse.case_reason_required': 'Say why (a few words): every change of a case is recorded with its reason.',
  'abuse.case_bad_move': 'Case {id} is {from}; it cannot become {to}. From {from} it can become: {allowed}.',
  'abuse.mapping_not_found':
    'There is no saved CSV mapping named "{name}". Save one first (`mizugiwa abuse mapping save {name} <file.json>`), or list them with `mizugiwa abuse mapping list`.',
  'abuse.mapping_invalid': 'The CSV mapping "{name}" is not valid: {problems}',
  'abuse.unknown_format':
    'The format of {file} could not be recognised. Give it with --format (arf, xarf, shadowserver, acns, csv with --mapping, mail).',
  'abuse.mapping_required':
    'A CSV list is read through a saved column mapping: name it (mapping=<name>; the saved ones are under /api/abuse/mappings).',
  'abuse.upload_empty': 'The upload is empty: send the report as the request body, or as the "file" field of a form.',
  'abuse.upload_too_large':
    'The upload is larger than {max} bytes. Import a file this big on the server with `mizugiwa abuse import <file>`.',
  'abuse.upload_bad_form': 'The form could not be read: {problem}.',
  'abuse.upload_no_file': 'The form has no file: send the report in a field named "file".',
  'abuse.evidence_missing':
    'The evidence file of report {id} ({sha256}) is missing from the data directory; restore it from a backup.',
  'abuse.restriction_not_found': 'There is no restriction with id {id}.',
  'abuse.restriction_case_state':
    'Case {id} is {state}: a subscriber is restricted only after being notified (a case that is notified or reminded).',
  'abuse.restriction_exists': 'Case {id} already has restriction {restriction} ({state}).',
  'abuse.restriction_not_pending': 'Restriction {id} is {state}: only a pending restriction can be approved.',
  'abuse.restriction_self_approval':
    'You asked for restriction {id} yourself: someone else with the abuse.restrict permission must approve it (a desk of one sets abuse.escalation.allow_self_approval).',
  'abuse.restriction_not_open': 'Restriction {id} is {state}: only a pending or active restriction can be released.',
  'abuse.notice_not_found': 'There is no notice with id {id}.',
  'abuse.notify_case_state':
    'Case {id} is {state}: a notice goes to a new case, a reminder to a notified or reminded one; this one is not told again.',
  'abuse.notify_in_flight':
    'A notice about case {id} is already on its way (notice {notice}, pending or to be retried); wait for it instead of sending another.',
  'abuse.notify_no_subscriber':
    'Case {id} names subscriber "{subscriber}", who has no record: import the subscriber list, then notify again.',
  'abuse.notify_no_email':
    'Subscriber "{subscriber}" of case {id} has no e-mail address on record: reach them by phone or post (the notices CSV export, `mizugiwa abuse notices export`).',
  'abuse.event_not_found': 'There is no abuse event with id {id}.',
  'abuse.event_not_unassigned':
    'Event {id} is {state}, not unassigned: only an event in the unassigned queue is given to a subscriber by hand.',
  'abuse.notices_no_smtp':
    'Notices cannot be sent: abuse.notices.smtp.host is not set in the config. A dry run (--dry-run) and the CSV export work without it.',
  'abuse.template_unknown':
    'There is no notice template "{name}": the names are digest, generic and the classes (RSIT types such as infected-system).',
  'abuse.template_locale': 'Notice templates exist in ja and en, not "{locale}".',
  'abuse.template_invalid': 'The template {name} ({locale}) cannot be used: {problem}.',
  'abuse.template_not_overridden':
    'The template {name} ({locale}) has not been changed, so there is nothing to revert: the built-in one is in use.',
  'request.invalid': 'The request is not valid: {detail}',
  'request.not_found': 'There is no such API route: {method} {url}.',
  'server.error': 'Something went wrong on the server; the log has the details (request id {requestId}).',
} as const;

export type MessageKey = keyof typeof en;

const ja: Record<MessageKey, string> = {
  'auth.required': 'ログインするか、API トークン（Authorization: Bearer …）を送ってください。',
  'auth.invalid_credentials': 'ユーザー名またはパスワードが違います。',
  'auth.invalid_token': 'API トークンが不明か、失効または期限切れです。',
  'auth.session_expired': 'セッションが終了しました。もう一度ログインしてください。',
  'auth.forbidden': 'あなたのロール（{role}）ではこの操作はできません。「{permission}」権限が必要です。',
  'auth.csrf': 'CSRF トークン（x-csrf-token ヘッダー）がありません。ページを再読み込みしてやり直してください。',
  'auth.disabled': 'このユーザーは無効化されています。',
  'auth.wrong_current_password': '現在のパスワードが違います。',
  'auth.password_weak': '新しいパスワードが短すぎます。{min} 文字以上にしてください。',
  'auth.must_change_password': 'まず一時パスワードを変更してください。',
  'auth.too_many_attempts': 'このアドレスからのログイン試行が多すぎます。{seconds} 秒待ってからやり直してください。',
  'user.exists': 'ユーザー「{username}」は既に存在します。',
  'user.not_found': 'ユーザー「{username}」は存在しません。',
  'user.bad_name': 'ユーザー名は英数字・「.」「_」「-」の 2～64 文字で、英数字で始めてください。',
  'user.last_admin': '有効な管理者はこのユーザーだけです。先に別の管理者を追加してください。',
  'token.not_found': 'ID {id} の API トークンはありません。',
  'token.bad_expiry': '有効期限は未来の日時（ISO 8601）か、30d・12h のような期間で指定してください。',
  'purpose.required':
    '加入者情報の参照には目的の指定が必要で、記録されます（abuse-notice, security-incident, legal-disclosure, police-request, customer-request, other のいずれか）。',
  'purpose.unknown':
    'その目的は一覧にありません。abuse-notice, security-incident, legal-disclosure, police-request, customer-request, other のいずれかを指定してください。',
  'purpose.other_needs_text': '目的「other」には理由を 5 文字以上で書いてください。',
  'attribute.bad_address':
    '「{address}」は IP アドレスではありません（192.0.2.7、192.0.2.7:51234、2001:db8::1、[2001:db8::1]:443 の形で書いてください）。',
  'attribute.bad_time':
    '「{at}」は日時として読めません。2026-11-24T10:00:00+09:00 のようにタイムゾーン付きの ISO 8601 で書いてください。',
  'subscriber.not_found': 'ID「{id}」の加入者はいません。',
  'deadletter.not_found': 'ID {id} のデッドレターはありません。',
  'deadletter.no_replayer': '形式「{format}」のパーサーが読み込まれていないため、再処理できません。',
  'job.not_found': 'ID {id} のジョブはありません。',
  'intel.source_not_found': 'インテルソース「{name}」はありません。',
  'intel.not_held': 'ソース「{name}」に承認待ちのスナップショットはありません。',
  'intel.source_not_configured':
    'ソース「{name}」は設定ファイルにありません（取り込みだけのソースです）。取得するものがないので、ファイルを取り込んでください。',
  'intel.fetch_running': 'ソース「{name}」は取得中です（ジョブ {job}）。そのジョブの進み具合を確認してください。',
  'intel.allowlist_entry_not_found': 'コンソールの許可リストに ID「{id}」のエントリはありません。',
  'intel.allowlist_entry_exists':
    'コンソールの許可リストには既に {entry} があります（期限: {until}）。変更するには先に削除してください。',
  'intel.allowlist_too_broad':
    'ネットワーク {value} はコンソールの許可リストには広すぎます（IPv{family} は /{min} まで）。設定のレビュー済み許可リストファイルに記載してください。',
  'intel.allowlist_unwritable':
    'コンソールの許可リスト {file} に書き込めません（{reason}）。intel.console_allowlist.file をサーバーが書き込めるパス（data_dir の下など）にしてください。',
  'enforce.unknown_point': '適用先「{point}」はありません。適用先は {points} です。',
  'enforce.point_disabled': '適用先「{point}」は有効になっていません（設定の enforce.{point}.enabled）。',
  'enforce.not_held': '適用先「{point}」に承認待ちの版はありません。',
  'enforce.held_changed':
    '版 {version} を保留した後に {point} の公開内容が変わったため、版 {next} として改めて保留しました。`mizugiwa enforce diff {point}` で確認してから、もう一度承認してください。',
  'alert.enforce.held':
    '{point}: 版 {version} は公開されませんでした（{reasons}）。前の版が有効なままです。画面「ブロック適用」で確認して承認するか、`mizugiwa enforce diff {point}` と `mizugiwa enforce approve {point}` を使ってください。',
  'alert.enforce.failed':
    '{point}: 版 {version} を適用できませんでした（{error}）。前のファイルが有効なままです。機器または再読み込みコマンドを直してください。',
  'abuse.report_not_found': 'ID {id} の abuse レポートはありません。',
  'abuse.case_not_found': 'ID {id} のケースはありません。',
  'abuse.case_restrict_via_approval':
    'ケース {id} を restricted にするには、制限の申請と承認を経てください（`mizugiwa abuse restrict {id}`）。ケースの表示と実際の制限を一致させるためです。',
  'abuse.case_reason_required':
    '理由を書いてください（短くて構いません）。ケースの変更はすべて理由とともに記録されます。',
  'abuse.case_bad_move': 'ケース {id} は {from} です。{to} にはできません。{from} から移れるのは: {allowed}',
  'abuse.mapping_not_found':
    '「{name}」という名前の CSV マッピングは保存されていません。先に保存してください（`mizugiwa abuse mapping save {name} <file.json>`）。一覧は `mizugiwa abuse mapping list` で見られます。',
  'abuse.mapping_invalid': 'CSV マッピング「{name}」が正しくありません: {problems}',
  'abuse.unknown_format':
    '{file} の形式を判別できませんでした。--format で指定してください（arf、xarf、shadowserver、acns、csv と --mapping、mail）。',
  'abuse.mapping_required':
    'CSV のリストは保存済みの列マッピングで読みます。名前を指定してください（mapping=<名前>。保存済みのものは /api/abuse/mappings にあります）。',
  'abuse.upload_empty':
    'アップロードが空です。レポートをリクエスト本文として、またはフォームの「file」フィールドとして送ってください。',
  'abuse.upload_too_large':
    'アップロードが {max} バイトを超えています。この大きさのファイルはサーバー上で `mizugiwa abuse import <ファイル>` で取り込んでください。',
  'abuse.upload_bad_form': 'フォームを読めませんでした: {problem}',
  'abuse.upload_no_file': 'フォームにファイルがありません。レポートを「file」という名前のフィールドで送ってください。',
  'abuse.evidence_missing':
    'レポート {id} の証拠ファイル（{sha256}）がデータディレクトリにありません。バックアップから戻してください。',
  'abuse.restriction_not_found': 'ID {id} の利用制限はありません。',
  'abuse.restriction_case_state':
    'ケース {id} は {state} です。利用制限は加入者へ通知した後（notified または reminded のケース）にのみ行えます。',
  'abuse.restriction_exists': 'ケース {id} には既に利用制限 {restriction}（{state}）があります。',
  'abuse.restriction_not_pending': '利用制限 {id} は {state} です。承認できるのは承認待ち（pending）の制限だけです。',
  'abuse.restriction_self_approval':
    '利用制限 {id} はあなた自身が申請したものです。abuse.restrict 権限を持つ別の担当者が承認してください（担当者が一人の場合は abuse.escalation.allow_self_approval を設定します）。',
  'abuse.restriction_not_open': '利用制限 {id} は {state} です。解除できるのは承認待ちまたは有効な制限だけです。',
  'abuse.notice_not_found': 'ID {id} の通知はありません。',
  'abuse.notify_case_state':
    'ケース {id} は {state} です。通知は new のケースに、督促は notified か reminded のケースに送ります。このケースには送りません。',
  'abuse.notify_in_flight':
    'ケース {id} の通知は送信中です（通知 {notice}、保留中または再送待ち）。重ねて送らず、その結果を待ってください。',
  'abuse.notify_no_subscriber':
    'ケース {id} の加入者「{subscriber}」の記録がありません。加入者一覧を取り込んでから、もう一度通知してください。',
  'abuse.notify_no_email':
    'ケース {id} の加入者「{subscriber}」にはメールアドレスの登録がありません。電話か郵送で連絡してください（通知 CSV 出力: `mizugiwa abuse notices export`）。',
  'abuse.event_not_found': 'ID {id} のイベントはありません。',
  'abuse.event_not_unassigned':
    'イベント {id} は {state} で、未割り当てではありません。手で加入者に割り当てられるのは未割り当てキューのイベントだけです。',
  'abuse.notices_no_smtp':
    '通知を送信できません。設定の abuse.notices.smtp.host が空です。ドライラン（--dry-run）と CSV 出力は設定なしでも使えます。',
  'abuse.template_unknown':
    '通知テンプレート「{name}」はありません。名前は digest、generic、または分類名（infected-system などの RSIT タイプ）です。',
  'abuse.template_locale': '通知テンプレートは ja と en だけです（指定値:「{locale}」）。',
  'abuse.template_invalid': 'テンプレート {name}（{locale}）は使えません: {problem}',
  'abuse.template_not_overridden':
    'テンプレート {name}（{locale}）は変更されていないため、元に戻すものはありません。組み込みのテンプレートが使われています。',
  'request.invalid': 'リクエストが正しくありません: {detail}',
  'request.not_found': 'その API はありません: {method} {url}',
  'server.error': 'サーバーでエラーが発生しました。詳細はログにあります（リクエスト ID {requestId}）。',
};

export type Locale = 'en' | 'ja';
const catalogs: Record<Locale, Record<MessageKey, string>> = { en, ja };

export function message(key: MessageKey, locale: Locale, params: Record<string, string | number> = {}): string {
  return catalogs[locale][key].replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The best of ja/en for an Accept-Language header or a LANG variable; English when neither fits. */
export function pickLocale(header: string | undefined): Locale {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((r) => /^q=([\d.]+)$/.exec(r.trim())).find(Boolean);
      return { tag: tag.toLowerCase(), q: q ? Number(q[1]) : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('ja')) return 'ja';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}
