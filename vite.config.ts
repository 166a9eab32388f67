import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    svelte(),
    // A service worker that precaches the whole site, models included: after the first visit it works offline.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script', // a registerSW.js file, not an inline script (the CSP allows only 'self')
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{html,js,css,wasm,json,bin,png,svg}'],
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024, // the model weights are 4 MB
        navigateFallback: null,
      },
    }),
  ],
  // Relative asset paths: the built site works from any folder or sub-path of a static host.
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  preview: { port: 4173, strictPort: true },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
  },
});
