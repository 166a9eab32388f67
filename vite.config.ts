import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig, type Plugin } from 'vitest/config';
import { CSP_META, SECURITY_HEADERS, netlifyHeaders, nginxHeaders } from './src/securityPolicy.ts';

// Cross-origin isolation (SharedArrayBuffer) is what WASM threads need. Everything the site loads is
// its own, so requiring CORP costs nothing; the service worker serves cached files with these headers.
// tfjs 4.22's threaded WASM cannot start its threads from a bundle yet (src/app/backend.ts), so today
// the WASM backend runs one thread either way; a static host need not send them.
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// The CSP meta tag from src/securityPolicy.ts, and the host's header files beside the site.
const securityPolicy: Plugin = {
  name: 'security-policy',
  transformIndexHtml: (html) => html.replace('%CSP%', CSP_META),
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: '_headers', source: netlifyHeaders() });
    this.emitFile({ type: 'asset', fileName: 'nginx-headers.conf', source: nginxHeaders() });
  },
};

export default defineConfig({
  plugins: [
    svelte(),
    securityPolicy,
    // A service worker that precaches the whole site, models included: after the first visit it works offline.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script', // a registerSW.js file, not an inline script (the CSP allows only 'self')
      // Installable: the browser offers "Install app"; it opens standalone and, with the service worker, offline.
      manifest: {
        name: 'agegender: age and gender from faces',
        short_name: 'agegender',
        description:
          'Estimates age (with an honest interval) and gender for every face in your photos or webcam, in your browser. Photos never leave the device.',
        start_url: './',
        scope: './',
        display: 'standalone',
        theme_color: '#2b6cb0',
        background_color: '#ffffff',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{html,js,css,wasm,json,bin,png,jpg,svg,webmanifest}'],
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024, // the model weights are 4 MB
        navigateFallback: null,
      },
    }),
  ],
  // Relative asset paths: the built site works from any folder or sub-path of a static host.
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  worker: { format: 'es' }, // the analysis worker is a module: it shares chunks with the page
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: { port: 4173, strictPort: true, headers: { ...CROSS_ORIGIN_ISOLATION, ...SECURITY_HEADERS } },
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
  },
});
