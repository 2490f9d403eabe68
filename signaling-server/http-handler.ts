/**
 * The server's plain HTTP side: a few routes by exact path (/healthz, /metrics) and the built demo
 * page, served by `sirv`. GET and HEAD only. No SPA fallback: a path that names no file is a 404.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { lookup } from 'mrmime';
import sirv from 'sirv';

/** Answers one request; a rejection becomes a 500 in the server. */
export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Shown at / when the demo has not been built (dist/client missing). */
const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shoal signaling</title></head>
<body><h1>Shoal signaling server</h1>
<p>The demo page is not built. Run <code>npm start</code> (or <code>npm run build</code>) to build it.</p>
<p><a href="/healthz">/healthz</a> · <a href="/metrics">/metrics</a></p></body></html>
`;

/** Vite names build assets by content hash, so a browser may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Builds the request handler: `routes` by exact path, else a file under `staticDir`. The files are
 * listed once, here (sirv's production mode): only files that existed at start are ever served, so
 * no request path can reach outside `staticDir`; restart the server after rebuilding the demo.
 */
export function createHttpHandler(
  staticDir: string,
  routes: Readonly<Record<string, Route>>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const files = existsSync(staticDir)
    ? sirv(staticDir, { dev: false, etag: true, extensions: ['html'], setHeaders })
    : undefined;
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route !== undefined) return route(req, res);
    if (files !== undefined) return files(req, res, () => notFound(res));
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : PLACEHOLDER);
      return;
    }
    notFound(res);
  };
}

/** Cache policy by path, and a charset on text (sirv adds one to HTML only). */
function setHeaders(res: ServerResponse, pathname: string): void {
  res.setHeader('cache-control', pathname.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
  const type = lookup(pathname.endsWith('/') ? `${pathname}index.html` : pathname);
  if (type?.startsWith('text/')) res.setHeader('content-type', `${type}; charset=utf-8`);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found\n');
}
