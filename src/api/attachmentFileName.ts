/**
 * The file name a `Content-Disposition: attachment` header gives (RFC 6266): the exact name of
 * `filename*` (RFC 8187: `UTF-8''` then percent-encoded bytes) when there is one, else the plain
 * `filename`; undefined when the header names no file. Only the base name is kept, so a name
 * can never point into another folder.
 */
export function attachmentFileName(header: string | null): string | undefined {
  if (!header) {
    return undefined;
  }
  const extended = /filename\*\s*=\s*UTF-8'[^']*'([^;\s]+)/i.exec(header);
  let name: string | undefined;
  if (extended) {
    try {
      name = decodeURIComponent(extended[1]);
    } catch {
      name = undefined; // malformed percent-encoding: the plain name below
    }
  }
  if (name === undefined) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
    name = plain ? (plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2]) : undefined;
  }
  const base = name?.split(/[\\/]/).pop();
  return base ? base : undefined;
}
