// The site's security policy in one place. A meta tag can carry most of the CSP (index.html gets it at
// build time); frame-ancestors and the other headers only a host can send: the build writes them as
// dist/_headers (Netlify, Cloudflare Pages) and dist/nginx-headers.conf, and `vite preview` sends them.
const CSP: Record<string, string> = {
  'default-src': "'self'",
  'script-src': "'self' 'wasm-unsafe-eval'", // the WASM backend compiles its module
  'style-src': "'self' 'unsafe-inline'", // Svelte's style attributes
  'img-src': "'self' blob: data:", // photos shown from object URLs
  'connect-src': "'self'",
  'worker-src': "'self'", // the analysis worker is a same-origin module; no threaded WASM, so no blob: workers
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
};

const serialize = (policy: Record<string, string>): string =>
  Object.entries(policy)
    .map(([directive, value]) => `${directive} ${value}`)
    .join('; ');

/** The Content-Security-Policy of the page's meta tag. */
export const CSP_META = serialize(CSP);

/** The headers a host should send with every file of the site. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': serialize({ ...CSP, 'frame-ancestors': "'none'" }),
  'Permissions-Policy': 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** dist/_headers: every path gets the headers. */
export const netlifyHeaders = (): string =>
  `/*\n${Object.entries(SECURITY_HEADERS)
    .map(([name, value]) => `  ${name}: ${value}\n`)
    .join('')}`;

/** dist/nginx-headers.conf: include it in the site's server or location block. */
export const nginxHeaders = (): string =>
  Object.entries(SECURITY_HEADERS)
    .map(([name, value]) => `add_header ${name} "${value}" always;\n`)
    .join('');
