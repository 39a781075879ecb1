import { parse as csvParse, type CsvError, type Info, type Options } from 'csv-parse';

// csv-parse set up the way every CSV format here reads: records and errors collected synchronously
// and in order (so each can be matched to the lines it came from, for positions and dead letters),
// one bad record costing only itself.

export type CsvRecordEvent = { fields: string[]; lines: number } | { error: CsvError; lines: number };

export type CsvRecordCollector = {
  parser: ReturnType<typeof csvParse>;
  /** Filled as lines are written to `parser`; the caller empties it. */
  events: CsvRecordEvent[];
  /** The error that stopped the parser, if one did. */
  failure(): Error | undefined;
};

export function collectCsvRecords(
  options: Pick<Options, 'delimiter' | 'quote' | 'escape' | 'comment' | 'comment_no_infix'>,
  maxRecordSize: number,
): CsvRecordCollector {
  const events: CsvRecordEvent[] = [];
  let failure: Error | undefined;
  const parser = csvParse({
    ...options,
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: maxRecordSize,
    on_record: (fields: string[], info: Info) => {
      events.push({ fields, lines: info.lines });
      return null;
    },
    on_skip: (error: CsvError | undefined) => {
      if (error) events.push({ error, lines: (error as unknown as { lines?: number }).lines ?? 0 });
      return undefined;
    },
  });
  parser.on('error', (error: Error) => (failure = error));
  parser.resume();
  return { parser, events, failure: () => failure };
}
