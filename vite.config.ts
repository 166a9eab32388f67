import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [svelte()],
  // Relative asset paths: the built site works from any folder or sub-path of a static host.
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  preview: { port: 4173, strictPort: true },
  test: {
    include: ['src/**/*.test.ts', 'training/tfjs_export/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
  },
});
