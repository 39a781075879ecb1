/** The current time as stored: ISO 8601 UTC with milliseconds, which sorts as text. */
export function nowIso(clock: () => Date = () => new Date()): string {
  return clock().toISOString();
}
