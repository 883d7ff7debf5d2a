import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { sessionCookieName } from '../protocol/events.js';
import type { ProgressStore } from '../store/progress-store.js';
import {
  cookieValue,
  hostAllowed,
  learnerIdOf,
  originAllowed,
  sessionCookie,
  tokenMatches,
  unguessableId,
} from './access.js';

export interface SessionGateOptions {
  listenHost: string;
  allowedHosts: string[];
  /** When set, a browser needs it once (`/?token=...`) before it gets a session. */
  token?: string;
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family: system-ui, sans-serif; margin: 3rem"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * Who may use the workshop. A browser gets a session (a random secret in an HttpOnly cookie) on its first page
 * load, after showing the access token when one is required; the learner is the hash of that secret.
 * Requests with a Host header the server does not answer to are refused (DNS rebinding), and sockets must come
 * from the workshop's own pages (Origin).
 */
export class SessionGate {
  constructor(
    private readonly store: ProgressStore,
    private readonly options: SessionGateOptions,
  ) {}

  /** The learner of a request's session cookie, if it is a session this server gave out. */
  learnerOf(cookieHeader: string | undefined): string | undefined {
    const secret = cookieValue(cookieHeader, sessionCookieName);
    if (!secret || !/^[A-Za-z0-9_-]{22,64}$/.test(secret)) return undefined;
    const learnerId = learnerIdOf(secret);
    return this.store.hasLearner(learnerId) ? learnerId : undefined;
  }

  hostOk(hostHeader: string | undefined): boolean {
    return hostAllowed(hostHeader, this.options.listenHost, this.options.allowedHosts);
  }

  /** socket.io's allowRequest: right Host, and a request from this server's own pages. */
  socketRequestOk(req: IncomingMessage): boolean {
    if (!this.hostOk(req.headers.host)) return false;
    // Browsers leave Origin out of same-origin GETs (socket.io's polling transport) but say so in Sec-Fetch-Site.
    if (req.headers.origin === undefined) return req.headers['sec-fetch-site'] === 'same-origin';
    return originAllowed(req.headers.origin, req.headers.host);
  }

  /** Express middleware: refuses foreign Host headers; gives page loads a session. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      if (!this.hostOk(req.headers.host)) {
        res
          .status(403)
          .type('text/plain')
          .send(`swarmlab: this server does not answer to the host name "${req.headers.host ?? ''}".\n`);
        return;
      }
      if (req.method !== 'GET' || (req.path !== '/' && req.path !== '/index.html')) {
        next();
        return;
      }
      res.setHeader('Cache-Control', 'no-store');
      if (this.learnerOf(req.headers.cookie)) {
        next();
        return;
      }
      const { token } = this.options;
      if (token) {
        const presented = typeof req.query.token === 'string' ? req.query.token : undefined;
        if (!tokenMatches(presented, token)) {
          res
            .status(401)
            .type('html')
            .send(
              page(
                'Access link needed',
                'This workshop needs its access link, the one with <code>?token=</code> in it. Ask your instructor for it.',
              ),
            );
          return;
        }
        this.newSession(req, res);
        res.redirect(303, '/');
        return;
      }
      this.newSession(req, res);
      next();
    };
  }

  private newSession(req: Request, res: Response): void {
    const secret = unguessableId(24);
    this.store.touchLearner(learnerIdOf(secret));
    res.append('Set-Cookie', sessionCookie(sessionCookieName, secret, req.secure));
  }
}
