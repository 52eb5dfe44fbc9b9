/**
 * The pixel size of a PNG given as nbformat keeps it (base64 text), read from its IHDR header:
 * how figures are compared (a re-rendered figure's bytes differ, its size does not) and described
 * in text. Undefined when the text is not a PNG.
 */
export function pngSize(base64: string): { width: number; height: number } | undefined {
  const head = base64.replace(/\s+/g, '').slice(0, 32); // 24 bytes: signature, IHDR length and type, width, height
  const bytes = decodeBase64(head);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) {
    return undefined;
  }
  const view = new DataView(bytes.buffer);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 text to bytes, stopping at the first character that is not base64 (the core has neither atob nor Buffer). */
function decodeBase64(text: string): Uint8Array {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) {
      break;
    }
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}
