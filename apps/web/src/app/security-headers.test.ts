import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { contentSecurityPolicy } from './security-headers';

describe('Content-Security-Policy', () => {
  it('allows scripts and connections only from this origin', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('is the same in the production nginx config as in vite preview', () => {
    const root = join(import.meta.dirname, '..', '..');
    // Exits non-zero (and says which directive differs) when they disagree.
    expect(() =>
      execFileSync(process.execPath, [join(root, 'deploy', 'check-csp.mjs')], {
        cwd: root,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
