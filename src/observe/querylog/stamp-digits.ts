// Reading the numbers of a fixed-width log stamp straight from the line: no regex and no substring, since
// the stamp readers run once per line on logs of millions of lines.

/** The `count`-digit decimal number at `at` in `line`, or -1 when any of those characters is not a digit. */
export function digitsAt(line: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = line.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // written this way round so that NaN (past the end of the line) fails too
    value = value * 10 + d;
  }
  return value;
}

/** Whether a wall-clock date and time read from a stamp is one a clock can show. */
export function isWallClock(month: number, day: number, hour: number, minute: number, second: number): boolean {
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= 31 &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 60
  );
}
