import { STEP_HUES, stepColor, stepColors } from './stepColors';

function hue(color: string): number {
  return Number(/^hsl\((\d+),/.exec(color)![1]);
}

describe('stepColors', () => {
  it('gives the nine steps of a notebook nine different hues, none green or red', () => {
    const names = ['load', 'clean', 'features', 'split', 'train_a', 'train_b', 'evaluate', 'report', 'export'];
    const colors = stepColors(names);
    expect(new Set([...colors.values()].map(hue)).size).toBe(9);
    for (const color of colors.values()) {
      const h = hue(color);
      expect(h < 80 || h > 170).toBe(true); // green sits between
      expect(h > 10 && h < 350).toBe(true); // red at the ends
    }
  });

  it('keeps a step its colour when a later step is added', () => {
    const before = stepColors(['load', 'train']);
    const after = stepColors(['load', 'train', 'report']);
    expect(after.get('load')).toBe(before.get('load'));
    expect(after.get('train')).toBe(before.get('train'));
  });

  it('tells apart steps beyond the palette by lightness', () => {
    const names = Array.from({ length: 25 }, (_, i) => `step${i}`);
    expect(new Set(stepColors(names).values()).size).toBe(25);
    expect(STEP_HUES.length).toBeLessThan(25);
  });

  it('colours one name as it is coloured among its notebook', () => {
    expect(stepColor('train', ['load', 'train'])).toBe(stepColors(['load', 'train']).get('train'));
    expect(stepColor('alone')).toBe(stepColors(['alone']).get('alone'));
  });
});
