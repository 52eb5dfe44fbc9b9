import { pngSize } from './imageSize';

// A real 3×2 RGB PNG (zlib-compressed IDAT), base64 as nbformat stores it.
const PNG_3X2 = 'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==';

describe('pngSize', () => {
  it("reads a PNG's width and height from its header, line breaks in the base64 text included", () => {
    expect(pngSize(PNG_3X2)).toEqual({ width: 3, height: 2 });
    expect(pngSize(PNG_3X2.slice(0, 10) + '\n' + PNG_3X2.slice(10))).toEqual({ width: 3, height: 2 });
  });

  it('says nothing for what is not a PNG', () => {
    expect(pngSize('')).toBeUndefined();
    expect(pngSize('R0lGODlhAQABAAAAACw=')).toBeUndefined(); // a GIF
    expect(pngSize('!!!not base64!!!')).toBeUndefined();
    expect(pngSize(PNG_3X2.slice(0, 20))).toBeUndefined(); // cut before the size
  });
});
