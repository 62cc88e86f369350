const serialized = new WeakMap<object, string>();

/**
 * JSON text of a value that is served again and again unchanged (a cached page, see
 * db/read-cache.ts): serialised once, while the value lives.
 */
export function jsonOnce(value: object): string {
  let text = serialized.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    serialized.set(value, text);
  }
  return text;
}
