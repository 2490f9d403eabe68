/**
 * Old name of the Node entry, kept so existing imports compile: import `./node` instead. Node (tsx)
 * cannot load a specifier ending in `.node` (it takes it for a native addon), so this file only works
 * through Vite/Vitest.
 */
export * from './node';
