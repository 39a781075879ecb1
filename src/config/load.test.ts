import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from './load.js';
import { configLeaves, envName } from './env.js';
import { parseListen } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  test('no file and no environment gives the documented defaults', () => {
    const { config, file: used } = loadConfig({ env: {}, cwd: dir });
    assert.equal(used, undefined);
    assert.equal(config.data_dir, join(dir, 'data'));
    assert.equal(config.http.listen, '127.0.0.1:8080');
    assert.equal(config.database.url, '');
    assert.equal(config.ui.timezone, 'Asia/Tokyo');
  });

  test('./mizugiwa.yaml is read when present; environment overrides it by config path', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-cwd-'));
    writeFileSync(
      join(cwd, 'mizugiwa.yaml'),
      'http:\n  listen: 127.0.0.1:9000\n  session_hours: 8\ndata_dir: /var/lib/mizugiwa\n',
    );
    const { config, file: used } = loadConfig({
      env: { MIZUGIWA_HTTP_LISTEN: '[::1]:9100', MIZUGIWA_DATABASE_POOL_SIZE: '20', MIZUGIWA_HTTP_TRUST_PROXY: 'true' },
      cwd,
    });
    assert.equal(used, join(cwd, 'mizugiwa.yaml'));
    assert.equal(config.http.listen, '[::1]:9100');
    assert.equal(config.http.session_hours, 8);
    assert.equal(config.database.pool_size, 20);
    assert.equal(config.http.trust_proxy, true);
    assert.equal(config.data_dir, '/var/lib/mizugiwa');
  });

  test('string keys keep what was written (a numeric-looking schema name stays a string)', () => {
    const { config } = loadConfig({
      env: { MIZUGIWA_DATABASE_URL: 'postgres://u@h/db', MIZUGIWA_DATA_DIR: '0123' },
      cwd: dir,
    });
    assert.equal(config.database.url, 'postgres://u@h/db');
    assert.equal(config.data_dir, join(dir, '0123'));
  });

  test('every error names the path, what was expected and what was found', () => {
    const path = file(
      'bad.yaml',
      'http:\n  listen: somewhere\n  lisen: 1\ndatabase:\n  url: ftp://files.example/x\nlog:\n  level: loud\nui:\n  timezone: Mars/Olympus\n',
    );
    const found = problems(() => loadConfig({ file: path, env: {}, cwd: dir }));
    assert.deepEqual(found.sort(), [
      'database.url: expected postgres://user@host:port/db, sqlite:<file>, or empty for the embedded SQLite, got "ftp://files.example/x"',
      'http.lisen: unknown key; did you mean "listen"?',
      'http.listen: expected host:port such as 127.0.0.1:8080 or [::1]:8080, got "somewhere"',
      'log.level: expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got string "loud"',
      'ui.timezone: expected an IANA time zone such as Asia/Tokyo or UTC, got "Mars/Olympus"',
    ]);
  });

  test('intel sources are checked entry by entry', () => {
    const path = file(
      'intel.yaml',
      'intel:\n  sources:\n    - {name: a, format: plain, file: a.txt}\n    - {name: b, format: plain, file: b.txt}\n    - {name: c, format: urlhaus, url: "ftp://files.example/x"}\n    - {name: d, format: grep, file: d.txt, ttl: {domain: forever}}\n',
    );
    const found = problems(() => loadConfig({ file: path, env: {}, cwd: dir }));
    assert.deepEqual(found.sort(), [
      'intel.sources[2].url: expected an https URL, got "ftp://files.example/x"',
      'intel.sources[3].format: expected one of "plain", "hosts", "csv", "urlhaus", "threatfox-csv", "threatfox-json", "feodo-csv", "feodo-json", "spamhaus-drop", "misp-feed", "stix", "rpz", got string "grep"',
      'intel.sources[3].ttl.domain: expected a duration such as 7d, 12h, 30m or 90s',
    ]);
    const ok = loadConfig({
      file: file('ok.yaml', 'intel:\n  sources:\n    - {name: a, format: plain, file: a.txt, ttl: {domain: 2d}}\n'),
      env: {},
      cwd: dir,
    });
    assert.equal(ok.config.intel.sources[0]?.ttl.domain, 172_800);
  });

  test('an error from the environment names the variable', () => {
    const found = problems(() => loadConfig({ env: { MIZUGIWA_HTTP_SESSION_HOURS: 'many' }, cwd: dir }));
    assert.deepEqual(found, [
      'http.session_hours (from MIZUGIWA_HTTP_SESSION_HOURS): expected number, got string "many"',
    ]);
  });

  test('a bad cron expression is explained', () => {
    const found = problems(() => loadConfig({ env: { MIZUGIWA_JOBS_HOUSEKEEPING_CRON: 'every day' }, cwd: dir }));
    assert.match(
      found[0]!,
      /^jobs\.housekeeping_cron \(from MIZUGIWA_JOBS_HOUSEKEEPING_CRON\): expected a cron expression/,
    );
  });

  test('YAML syntax errors and a missing explicit file are reported, not thrown raw', () => {
    assert.match(
      problems(() => loadConfig({ file: file('syntax.yaml', 'http:\n  listen: [oops\n'), env: {}, cwd: dir }))[0]!,
      /^YAML syntax/,
    );
    assert.match(
      problems(() => loadConfig({ file: join(dir, 'absent.yaml'), env: {}, cwd: dir }))[0]!,
      /does not exist/,
    );
    assert.match(
      problems(() => loadConfig({ file: file('list.yaml', '- a\n- b\n'), env: {}, cwd: dir }))[0]!,
      /top level must be a mapping/,
    );
  });

  test('unknown MIZUGIWA_* variables are warned about, test-only ones are not', () => {
    const { warnings } = loadConfig({ env: { MIZUGIWA_HTTP_LISTN: 'x', MIZUGIWA_E2E: 'require' }, cwd: dir });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /MIZUGIWA_HTTP_LISTN is set but is not a configuration key/);
  });

  test('mizugiwa.example.yaml is valid and documents every key', () => {
    const example = new URL('../../mizugiwa.example.yaml', import.meta.url).pathname;
    loadConfig({ file: example, env: {}, cwd: dir });
    const text = readFileSync(example, 'utf8');
    const doc = parse(text) as Record<string, unknown>;
    for (const leaf of configLeaves()) {
      if (leaf.optional) continue;
      let node: unknown = doc;
      for (const key of leaf.path) node = (node as Record<string, unknown> | undefined)?.[key];
      assert.notEqual(node, undefined, `mizugiwa.example.yaml lacks ${leaf.path.join('.')} (${envName(leaf.path)})`);
    }
  });

  test('listen addresses parse for IPv4, IPv6 and names', () => {
    assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListen('[::1]:53'), { host: '::1', port: 53 });
    assert.deepEqual(parseListen('localhost:1'), { host: 'localhost', port: 1 });
    assert.equal(parseListen('127.0.0.1'), undefined);
    assert.equal(parseListen('::1:80'), undefined);
    assert.equal(parseListen('h:70000'), undefined);
  });
});
