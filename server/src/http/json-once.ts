const serialized = new WeakMap<object, Buffer>();

/**
 * JSON of a value that is served again and again unchanged (a cached page, see
 * db/read-cache.ts): serialised and encoded once, while the value lives. Bytes rather than a
 * string: a 100-tool page is ≈ 40 KB, which Node would otherwise measure and encode to UTF-8
 * on every response (a new 40 KB buffer each time, the largest allocation of a cached read).
 */
export function jsonOnce(value: object): Buffer {
  let bytes = serialized.get(value);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(value));
    serialized.set(value, bytes);
  }
  return bytes;
}
