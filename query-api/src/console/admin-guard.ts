import { timingSafeEqual } from 'node:crypto';
import { AppError } from '@shop/shared/http';

/** What the guard reads of a request: its headers, lower-cased as Node gives them. */
export interface AdminRequest {
  authorization?: string;
  origin?: string;
  host?: string;
  secFetchSite?: string;
}

/**
 * May this request change something (re-drive, rebuild, reconcile)? Only with the admin token
 * from config, sent as `Authorization: Bearer <token>`, and only from the console's own origin.
 * Without a configured token the console is read-only. The token travels in a header a browser
 * never adds by itself (unlike a cookie), so a cross-site page cannot borrow the operator's
 * session; the origin checks refuse such requests before the token is even looked at.
 * Throws the AppError to answer with; returns when the request may go on.
 */
export function checkAdmin(req: AdminRequest, token: string | undefined): void {
  if (!token) throw new AppError(403, 'console_read_only', 'the console is read-only: no CONSOLE_ADMIN_TOKEN is configured');
  if (req.secFetchSite !== undefined && req.secFetchSite !== 'same-origin' && req.secFetchSite !== 'none')
    throw new AppError(403, 'cross_site_request', `refused a ${req.secFetchSite} request: actions come from the console itself`);
  if (req.origin !== undefined && hostOf(req.origin) !== req.host)
    throw new AppError(403, 'cross_site_request', `refused a request from origin ${req.origin}`);
  const sent = /^Bearer (.+)$/.exec(req.authorization ?? '')?.[1];
  if (sent === undefined) throw new AppError(401, 'unauthorized', 'send the admin token as Authorization: Bearer <token>');
  if (!sameSecret(sent, token)) throw new AppError(403, 'forbidden', 'wrong admin token');
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** Compares in constant time, so the answer's timing says nothing about how much of it matched. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
