import { attachmentFileName } from './attachmentFileName';

describe('attachmentFileName', () => {
  it('takes the exact name of filename* over the ASCII filename', () => {
    expect(attachmentFileName(`attachment; filename="caf_.r1.ipynb"; filename*=UTF-8''caf%C3%A9%20%E2%9C%93.r1.ipynb`)).toBe('café ✓.r1.ipynb');
  });

  it('takes the plain filename, quoted or not, when there is no filename*', () => {
    expect(attachmentFileName('attachment; filename="train \\"v2\\".ipynb"')).toBe('train "v2".ipynb');
    expect(attachmentFileName('attachment; filename=train.ipynb')).toBe('train.ipynb');
  });

  it('falls back to the plain filename when filename* is not valid percent-encoding', () => {
    expect(attachmentFileName(`attachment; filename="a.ipynb"; filename*=UTF-8''%E2%ZZ.ipynb`)).toBe('a.ipynb');
  });

  it('keeps the base name only, so a name cannot point into another folder', () => {
    expect(attachmentFileName(`attachment; filename*=UTF-8''..%2F..%2F.bashrc`)).toBe('.bashrc');
    expect(attachmentFileName('attachment; filename="..\\\\evil.ipynb"')).toBe('evil.ipynb');
  });

  it('is undefined when the header names no file', () => {
    expect(attachmentFileName(null)).toBeUndefined();
    expect(attachmentFileName('inline')).toBeUndefined();
    expect(attachmentFileName('attachment; filename=""')).toBeUndefined();
  });
});
