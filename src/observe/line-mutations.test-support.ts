// Damaged copies of real log lines, for the line formats' "never throws" tests: every truncation of
// every line, and seeded random edits (a character changed, a run deleted, a character inserted) from
// an alphabet of the format's own delimiters, so that a failure reproduces with the same seed.

/** A deterministic PRNG: `random(n)` is 0 … n-1. */
export function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s % n;
  };
}

/** Every prefix of every line. */
export function* truncations(lines: readonly string[]): Iterable<string> {
  for (const line of lines) for (let n = 0; n <= line.length; n++) yield line.slice(0, n);
}

/** `rounds` copies of lines picked at random, each with one to four random edits. */
export function* mutations(
  lines: readonly string[],
  options: { seed: number; rounds: number; alphabet: string },
): Iterable<string> {
  const random = prng(options.seed);
  const alphabet = [...options.alphabet];
  for (let round = 0; round < options.rounds; round++) {
    const chars = [...lines[random(lines.length)]!];
    for (let edits = 1 + random(4); edits > 0; edits--) {
      const at = random(chars.length + 1);
      const c = alphabet[random(alphabet.length)]!;
      const kind = random(3);
      if (kind === 0) chars[at] = c;
      else if (kind === 1) chars.splice(at, 1 + random(8));
      else chars.splice(at, 0, c);
    }
    yield chars.join('');
  }
}
