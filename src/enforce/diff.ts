/** What changes between two sorted key lists, with a few examples of each side for people to read. */
export type KeyDiff = {
  before: number;
  after: number;
  added: number;
  removed: number;
  addedExamples: string[];
  removedExamples: string[];
};

const EXAMPLES = 20;

/** One linear merge over two sorted, duplicate-free lists (a million keys each is routine). */
export function diffSorted(before: readonly string[], after: readonly string[], examples = EXAMPLES): KeyDiff {
  const diff: KeyDiff = {
    before: before.length,
    after: after.length,
    added: 0,
    removed: 0,
    addedExamples: [],
    removedExamples: [],
  };
  let i = 0;
  let j = 0;
  const add = (key: string) => {
    diff.added++;
    if (diff.addedExamples.length < examples) diff.addedExamples.push(key);
  };
  const remove = (key: string) => {
    diff.removed++;
    if (diff.removedExamples.length < examples) diff.removedExamples.push(key);
  };
  while (i < before.length && j < after.length) {
    const a = before[i] as string;
    const b = after[j] as string;
    if (a === b) {
      i++;
      j++;
    } else if (a < b) {
      remove(a);
      i++;
    } else {
      add(b);
      j++;
    }
  }
  while (i < before.length) remove(before[i++] as string);
  while (j < after.length) add(after[j++] as string);
  return diff;
}
