/**
 * Each step's identity colour. Status (succeeded, failed...) is shown apart from it, as an icon
 * and a word, so the palette leaves out green (succeeded) and the reds (failed): a step's colour
 * never reads as a status. Steps of one notebook get different hues while there are hues left:
 * a name starts at the hue its hash picks, and a name met later in the notebook that wants a taken
 * hue moves to the next free one, so most names keep their colour when other steps come and go.
 */

/** Ten well-separated hues (degrees), none green or red. */
export const STEP_HUES: readonly number[] = [212, 32, 275, 188, 320, 48, 245, 14, 298, 200];

function hashOf(name: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function colorOfSlot(slot: number): string {
  // Past the palette's length the hues repeat, darker or lighter, so neighbours still differ.
  const round = Math.floor(slot / STEP_HUES.length);
  const lightness = [50, 38, 62][round % 3];
  return `hsl(${STEP_HUES[slot % STEP_HUES.length]}, 70%, ${lightness}%)`;
}

/** The colour of every step of a notebook, by name (names in notebook order). */
export function stepColors(names: readonly string[]): Map<string, string> {
  const taken = new Set<number>();
  const colors = new Map<string, string>();
  const slots = Math.max(STEP_HUES.length, Math.ceil(names.length / STEP_HUES.length) * STEP_HUES.length);
  for (const name of names) {
    if (colors.has(name)) {
      continue;
    }
    let slot = hashOf(name) % STEP_HUES.length;
    while (taken.has(slot)) {
      slot = (slot + 1) % slots;
    }
    taken.add(slot);
    colors.set(name, colorOfSlot(slot));
  }
  return colors;
}

/** The colour of one step among the notebook's steps (its hash's hue when it is not among them). */
export function stepColor(name: string, names: readonly string[] = [name]): string {
  return stepColors(names.includes(name) ? names : [...names, name]).get(name)!;
}
