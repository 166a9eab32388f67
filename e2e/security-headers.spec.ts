import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { CSP_META, SECURITY_HEADERS, netlifyHeaders, nginxHeaders } from '../src/securityPolicy';

const DIST = join(import.meta.dirname, '..', 'dist');

test('the built page carries the policy, the preview server and the host files send the headers', async ({
  page,
  request,
}) => {
  await page.goto('/');
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toBe(CSP_META);
  for (const directive of ["object-src 'none'", "base-uri 'none'", "form-action 'none'", "worker-src 'self'"])
    expect(csp).toContain(directive);
  expect(csp).not.toMatch(/worker-src[^;]*blob:/);

  const headers = (await request.get('/')).headers();
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['permissions-policy']).toContain('camera=(self)');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(headers[name.toLowerCase()]).toBe(value);

  // What a static host is given: the same headers for every path.
  expect(existsSync(join(DIST, '_headers'))).toBe(true);
  expect(readFileSync(join(DIST, '_headers'), 'utf8')).toBe(netlifyHeaders());
  expect(readFileSync(join(DIST, 'nginx-headers.conf'), 'utf8')).toBe(nginxHeaders());
});
