/**
 * Chooses whoami's output format: `?format=json|text|html` wins, then the `Accept` header
 * (RFC 9110 §12.5.1: the most specific matching range gives a type its q-value), default text.
 */

export type WhoamiFormat = 'json' | 'text' | 'html';

export const MEDIA_TYPES: Readonly<Record<WhoamiFormat, string>> = {
  text: 'text/plain',
  json: 'application/json',
  html: 'text/html',
};

/** Result of negotiation: a format, or the unknown `?format=` value (the server answers 400). */
export type Negotiated = { readonly format: WhoamiFormat } | { readonly unknownFormat: string };

/**
 * @param url the request target (`/path?format=json`)
 * @param accept every `Accept` header line, in order (joined with `,` as RFC 9110 §5.3 allows)
 * @example negotiate('/?format=html', []) // { format: 'html' }
 * @example negotiate('/', ['application/json']) // { format: 'json' }
 */
export function negotiate(url: string, accept: readonly string[]): Negotiated {
  const query = url.indexOf('?');
  if (query !== -1) {
    const params = new URLSearchParams(url.slice(query + 1));
    const asked = params.get('format');
    if (asked !== null) {
      const wanted = asked.toLowerCase();
      if (wanted === 'json' || wanted === 'text' || wanted === 'html') return { format: wanted };
      return { unknownFormat: asked };
    }
  }
  return { format: fromAccept(accept.join(',')) };
}

/** Preference order when q-values tie: text first, so `*\/*` (curl) gets text. */
const ORDER: readonly WhoamiFormat[] = ['text', 'json', 'html'];

function fromAccept(accept: string): WhoamiFormat {
  if (accept.trim() === '') return 'text';
  const ranges = parseAccept(accept);
  let best: WhoamiFormat = 'text';
  let bestQ = -1;
  for (const format of ORDER) {
    const q = qualityOf(MEDIA_TYPES[format], ranges);
    if (q > bestQ) {
      best = format;
      bestQ = q;
    }
  }
  return bestQ <= 0 ? 'text' : best;
}

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',').slice(0, 64)) {
    const [range = '', ...params] = part.split(';');
    const slash = range.indexOf('/');
    if (slash === -1) continue;
    const type = range.slice(0, slash).trim().toLowerCase();
    const subtype = range
      .slice(slash + 1)
      .trim()
      .toLowerCase();
    if (type === '' || subtype === '') continue;
    let q = 1;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const value = Number(param.slice(eq + 1).trim());
      q = Number.isFinite(value) && value >= 0 && value <= 1 ? value : 0;
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** q of the most specific range that matches `type/subtype`; 0 when none matches. */
function qualityOf(media: string, ranges: readonly MediaRange[]): number {
  const [type, subtype] = media.split('/') as [string, string];
  let specificity = -1;
  let q = 0;
  for (const range of ranges) {
    let level: number;
    if (range.type === type && range.subtype === subtype) level = 2;
    else if (range.type === type && range.subtype === '*') level = 1;
    else if (range.type === '*' && range.subtype === '*') level = 0;
    else continue;
    if (level > specificity) {
      specificity = level;
      q = range.q;
    }
  }
  return q;
}
