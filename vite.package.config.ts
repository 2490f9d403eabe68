import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The npm package's JavaScript (`npm run build:package` → dist/lib; `npm pack` runs it). Every bare
 * import stays external: the app's bundler (browser entries) or Node (server, bins) resolves the
 * package's dependencies, so an app never gets two copies of socket.io-client or React.
 */
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: {
      formats: ['es'],
      entry: {
        index: src('./client/index.ts'),
        node: src('./client/node.ts'),
        react: src('./client/react/index.ts'),
        server: src('./signaling-server/package-entry.ts'),
        'shoal-signaling': src('./signaling-server/main.ts'),
        shoal: src('./client/agent/shoal.ts'),
      },
    },
    rolldownOptions: {
      external: (id) => builtinModules.includes(id) || /^(node:|@?[\w-])/.test(id),
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
