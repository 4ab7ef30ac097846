/** `1 item`, `2 items`: a count and its noun, the plural given when it is not the noun and an s. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
