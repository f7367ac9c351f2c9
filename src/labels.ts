/**
 * Labels, the words every part of scrapewire shares: a label pair, and the order label sets are
 * sorted in (the core's, remote write's and Prometheus': names in byte order).
 */

/** A label pair. Label sets handed out by the core are sorted by name and include `__name__`. */
export type Label = readonly [name: string, value: string];

/**
 * Compares two strings in UTF-8 byte order (= code point order), what the core sorts labels by,
 * without encoding them: plain `<` compares UTF-16 code units, which disagrees only when a
 * surrogate pair meets a code unit in U+E000..U+FFFF. (Encoding both to compare them made this
 * a visible part of a first scrape's profile: 2 Buffers per comparison.)
 */
export function compareLabelNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Move surrogates above U+E000..U+FFFF, where their code points belong.
      if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      return x - y;
    }
  }
  return a.length - b.length;
}
