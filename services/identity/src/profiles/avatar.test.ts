import { generatedAvatar } from './avatar';

const svg = (url: string) => Buffer.from(url.split(',')[1] as string, 'base64').toString();

describe('generated avatars', () => {
  it('are deterministic SVG data URLs with the initials', () => {
    const a = generatedAvatar('usr_1', 'Grace Brewster Hopper');
    expect(a).toBe(generatedAvatar('usr_1', 'Grace Brewster Hopper'));
    expect(a).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(svg(a)).toContain('>GH<');
    expect(svg(generatedAvatar('usr_1', 'ada'))).toContain('>A<');
  });

  it('escape markup in names', () => {
    expect(svg(generatedAvatar('u', '<script>'))).not.toContain('<script');
  });
});
