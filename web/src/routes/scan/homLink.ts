/**
 * What a scanned QR may open: only an absolute address on this HOM server, and only its pages
 * (not the API, not downloads). Anything else — another site, a bare text, a `javascript:` —
 * is shown as text and never followed.
 */
const PAGES = /^\/(?:$|plant(?:\/|$)|tools(?:\/|$)|inspections\/|admin(?:\/|$))/;

export function homPath(text: string, origin: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.origin !== origin || !PAGES.test(url.pathname)) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
