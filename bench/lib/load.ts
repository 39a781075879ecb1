import type { Row } from './result.js';

/** What every load run needs, whichever tool generates it. */
export type LoadSpec = {
  workload: string;
  server: string;
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
};

export type RowSource = Pick<Row, 'workload' | 'server' | 'connections' | 'durationS'>;

export function rowBase(spec: LoadSpec): RowSource {
  return { workload: spec.workload, server: spec.server, connections: spec.connections, durationS: spec.durationS };
}
