import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { watchErrors } from './pageErrors';

test('the site is an installable web app: manifest, icons of the sizes it names, description, robots.txt', async ({
  page,
  request,
}) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.locator('meta[name="description"]')).toHaveAttribute('content', /age.*gender/i);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifestUrl = new URL(href!, page.url()).href;
  const manifest = await (await request.get(manifestUrl)).json();
  expect(manifest).toMatchObject({
    name: expect.any(String),
    short_name: expect.any(String),
    display: 'standalone',
    start_url: expect.any(String),
    theme_color: expect.any(String),
    background_color: expect.any(String),
  });
  const icons = manifest.icons as { src: string; sizes: string; purpose?: string }[];
  for (const wanted of ['192x192', '512x512']) expect(icons.some((i) => i.sizes === wanted && !i.purpose)).toBe(true);
  expect(icons.some((i) => i.purpose === 'maskable')).toBe(true);
  for (const icon of icons) {
    const response = await request.get(new URL(icon.src, manifestUrl).href);
    expect(response.headers()['content-type']).toBe('image/png');
    const { width, height } = await sharp(await response.body()).metadata();
    expect(`${width}x${height}`).toBe(icon.sizes);
  }
  const robots = await request.get(new URL('robots.txt', page.url()).href);
  expect(robots.headers()['content-type']).toMatch(/^text\/plain/);
  expect(await robots.text()).toMatch(/^User-agent: \*/);
  expect(errors).toEqual([]);
});
