import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The examples as one app with two pages. They import only the package's public entries: the package
// test (e2e/package.spec.ts) copies this folder into a fresh app where `shoal` is the packed tarball.
// In this repository the root tsconfig's `paths` point the typecheck at the source.
export default defineConfig({
  build: {
    target: 'es2022',
    rolldownOptions: {
      input: { cursors: page('./cursors/index.html'), react: page('./react-presence/index.html') },
    },
  },
});
