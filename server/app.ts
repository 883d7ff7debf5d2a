import { fileURLToPath } from 'node:url';
import express from 'express';
import type { SessionGate } from './security/session-gate.js';

/** The directory the browser bundle is built into (dist/web). */
export const webRoot = fileURLToPath(new URL('../web/', import.meta.url));

/** Builds the workshop's HTTP application: the page, its bundle, and a health check. */
export function createApp(gate?: SessionGate): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  if (gate) app.use(gate.middleware());
  app.use(express.static(webRoot, { index: 'index.html' }));
  app.use((_req, res) => {
    res.status(404).json({ message: 'page not found' });
  });
  return app;
}
