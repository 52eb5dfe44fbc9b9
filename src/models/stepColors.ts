/**
 * A stable colour per step name: the same name gets the same hue in every session and notebook,
 * and adding or renaming another step never changes it. Mid lightness reads on light and dark themes.
 */
export function stepHue(name: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Twelve well-separated hues, so close names do not get near-identical colours.
  return ((hash >>> 0) % 12) * 30 + 15;
}

export function stepColor(name: string): string {
  return `hsl(${stepHue(name)}, 65%, 50%)`;
}
