import { describe, expect, it } from 'vitest';
import { AppError } from '@shop/shared/http';
import { checkAdmin, type AdminRequest } from './admin-guard.ts';

const TOKEN = 's3cret-token';
const ok: AdminRequest = {
  authorization: `Bearer ${TOKEN}`,
  host: 'localhost:8081',
  origin: 'http://localhost:8081',
  secFetchSite: 'same-origin',
};

function refusal(req: AdminRequest, configured: { token: string | undefined } = { token: TOKEN }) {
  try {
    checkAdmin(req, configured.token);
    return 'allowed';
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return `${(err as AppError).status} ${(err as AppError).code}`;
  }
}

describe('checkAdmin', () => {
  it('allows the console itself with the right token', () => {
    expect(refusal(ok)).toBe('allowed');
    // curl and scripts send neither Origin nor Sec-Fetch-Site.
    expect(refusal({ authorization: `Bearer ${TOKEN}`, host: 'localhost:8081' })).toBe('allowed');
  });

  it('is read-only when no token is configured, whatever the request sends', () => {
    expect(refusal(ok, { token: undefined })).toBe('403 console_read_only');
    expect(refusal(ok, { token: '' })).toBe('403 console_read_only');
  });

  it('refuses cross-site requests before looking at the token', () => {
    expect(refusal({ ...ok, secFetchSite: 'cross-site' })).toBe('403 cross_site_request');
    expect(refusal({ ...ok, secFetchSite: 'same-site' })).toBe('403 cross_site_request');
    expect(refusal({ ...ok, origin: 'http://evil.example' })).toBe('403 cross_site_request');
    expect(refusal({ ...ok, origin: 'http://localhost:9999' })).toBe('403 cross_site_request');
    expect(refusal({ ...ok, origin: 'null' })).toBe('403 cross_site_request');
  });

  it('asks for the token when none is sent, and refuses a wrong one', () => {
    expect(refusal({ ...ok, authorization: undefined })).toBe('401 unauthorized');
    expect(refusal({ ...ok, authorization: TOKEN })).toBe('401 unauthorized');
    expect(refusal({ ...ok, authorization: 'Bearer wrong' })).toBe('403 forbidden');
    expect(refusal({ ...ok, authorization: `Bearer ${TOKEN}x` })).toBe('403 forbidden');
    expect(refusal({ ...ok, authorization: `Bearer ${TOKEN.slice(0, -1)}` })).toBe('403 forbidden');
  });
});
