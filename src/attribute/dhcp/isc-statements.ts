// The statement syntax of ISC dhcpd's lease files (dhcpd.leases(5)): words and quoted strings ending in `;`,
// or followed by a `{ … }` block of further statements, `#` comments, any layout of lines. A reader is fed
// lines and hands back each top-level statement once its `;` or closing `}` has arrived, with the line it
// began at, so that a tailer stopping inside a `lease {}` block can resume at the block's first line.

/** A word (`starts`, `2026/11/24`, `02:00:5e:00:53:01`) or a quoted string, its escapes decoded to bytes. */
export type IscToken = { text: string; quoted: boolean };

export type IscStatement = { words: IscToken[]; block?: IscStatement[] };

export type IscReadResult =
  { statement: IscStatement; from: number; raw: string } | { problem: string; from: number; raw: string };

/** A block left open would hold every line after it; past this many lines it is given up. */
const MAX_STATEMENT_LINES = 500;

type Punctuation = '{' | '}' | ';';
type Lexeme = IscToken | Punctuation;

export class IscStatementReader {
  private lexemes: Lexeme[] = [];
  private lines: string[] = [];
  private from: number | undefined;
  private depth = 0;
  private problem: string | undefined;

  line(text: string, line: number): IscReadResult[] {
    const lexed = lexLine(text);
    if (typeof lexed === 'string') {
      if (this.from === undefined) return [{ problem: `${lexed} (line ${line})`, from: line, raw: text }];
      // Inside a block the damage stays with the statement, which is still followed to its end so that
      // the lines after the damaged one are not read as statements of their own.
      this.problem ??= `${lexed} (line ${line})`;
      this.lines.push(text);
      return [];
    }
    const results: IscReadResult[] = [];
    if (this.from !== undefined) this.lines.push(text);
    for (const lexeme of lexed) {
      if (this.from === undefined) {
        this.from = line;
        this.lines = [text];
      }
      this.lexemes.push(lexeme);
      if (lexeme === '{') this.depth++;
      else if (lexeme === '}') this.depth--;
      if (this.depth < 0) {
        results.push({ problem: `a "}" closes a block that was never opened (line ${line})`, ...this.taken(line) });
      } else if (this.depth === 0 && (lexeme === ';' || lexeme === '}')) {
        results.push(this.complete(line));
      }
    }
    if (this.from !== undefined && this.lines.length > MAX_STATEMENT_LINES) {
      const from = this.from;
      results.push({
        problem: `the statement begun at line ${from} is still open after ${MAX_STATEMENT_LINES} lines: a "}" is missing`,
        ...this.taken(line),
      });
    }
    return results;
  }

  /** The input ended: a statement still open is reported as cut short. */
  end(): IscReadResult[] {
    if (this.from === undefined) return [];
    const from = this.from;
    return [
      {
        problem: `the file ends inside the statement begun at line ${from} (no closing "}" or ";")`,
        ...this.taken(from),
      },
    ];
  }

  pendingFrom(): number | undefined {
    return this.from;
  }

  private complete(line: number): IscReadResult {
    const lexemes = this.lexemes;
    const problem = this.problem;
    const taken = this.taken(line);
    if (problem !== undefined) return { problem, ...taken };
    const statement = buildStatement(lexemes, { at: 0 });
    return { statement, ...taken };
  }

  /** Where the statement began and its text (a line that ends one statement and begins the next is in both). */
  private taken(line: number): { from: number; raw: string } {
    const result = { from: this.from ?? line, raw: this.lines.join('\n') };
    this.reset();
    return result;
  }

  private reset(): void {
    this.lexemes = [];
    this.lines = [];
    this.from = undefined;
    this.depth = 0;
    this.problem = undefined;
  }
}

/** One statement (with its block) from balanced lexemes: a top-level statement always is. */
function buildStatement(lexemes: Lexeme[], cursor: { at: number }): IscStatement {
  const words: IscToken[] = [];
  while (cursor.at < lexemes.length) {
    const lexeme = lexemes[cursor.at++]!;
    if (lexeme === ';') return { words };
    if (lexeme === '}') {
      cursor.at--;
      return { words };
    }
    if (lexeme === '{') {
      const block: IscStatement[] = [];
      while (cursor.at < lexemes.length && lexemes[cursor.at] !== '}') {
        if (lexemes[cursor.at] === ';') {
          cursor.at++;
          continue;
        }
        block.push(buildStatement(lexemes, cursor));
      }
      cursor.at++;
      return { words, block };
    }
    words.push(lexeme);
  }
  return { words };
}

/** The lexemes of one line, or what is wrong with it. */
function lexLine(text: string): Lexeme[] | string {
  const out: Lexeme[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      break;
    } else if (c === '{' || c === '}' || c === ';') {
      out.push(c);
      i++;
    } else if (c === '"') {
      const string = readQuoted(text, i + 1);
      if (string === undefined) return 'a quoted string is not closed before the end of the line';
      out.push({ text: string.text, quoted: true });
      i = string.end;
    } else {
      let end = i;
      while (end < text.length && !' \t\r{};"#'.includes(text[end]!)) end++;
      out.push({ text: text.slice(i, end), quoted: false });
      i = end;
    }
  }
  return out;
}

/**
 * A quoted string from just after its opening quote. dhcpd writes a byte that is not printable as `\ooo`
 * (octal) and puts a backslash before `"`, `'`, `$`, `` ` `` and `\`; each decoded character is one byte.
 */
function readQuoted(text: string, start: number): { text: string; end: number } | undefined {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') return { text: out, end: i + 1 };
    if (c === '\\') {
      const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
      if (octal !== null) {
        out += String.fromCharCode(parseInt(octal[0], 8) & 0xff);
        i += 1 + octal[0].length;
        continue;
      }
      if (i + 1 >= text.length) return undefined;
      out += text[i + 1];
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return undefined;
}
