const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Compares node names in natural order: worker-2 before worker-10. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
