import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The Vue app. The SvelteKit app has its own config (vite.kit.config.ts).
export default defineConfig({
  plugins: [vue()],
  test: { environment: 'jsdom', include: ['src/**/*.spec.ts'] },
});
