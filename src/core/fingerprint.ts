/**
 * A 53-bit fingerprint of a text (cyrb53), as 14 hex digits: for telling texts apart where a
 * collision costs nothing but a cache miss or a rebuild: one compilation's runtime file from
 * another's, a cache file's name (the file holds its full key). Not a security measure; plain
 * JavaScript, so it costs a fresh process nothing to load (node:crypto starts OpenSSL, ~3 ms).
 */
export function fingerprint(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}
