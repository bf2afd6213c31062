// Ordinary text that requests carry, written for this project: prose with apostrophes and
// quotes, names, search phrases that happen to use SQL words, numbers with units and ranges,
// dates, identifiers, URLs, file paths, JSON, code, headers. Every fingerprint this text
// produces (and that the heuristics would let through) is removed from the attack table.
//
// Beyond the literal lists, every run of one to six words of the prose is a sample too (form
// fields hold fragments more often than sentences), and a seeded generator adds identifiers,
// hashes and base64 strings of the kinds APIs pass around.

const SENTENCES = [
  'O\'Reilly\'s book is on the table', 'I don\'t know what you\'re talking about', 'It\'s 5 o\'clock somewhere',
  'Rock \'n\' roll will never die', 'We\'ll meet at Martha\'s Vineyard at 10', 'She said "hello" and left',
  'He\'s 6\'2" tall and weighs 180 lbs', 'The \'90s were great, weren\'t they?', 'Don\'t select the red one, select the blue one',
  'Please update my profile and delete my old address', 'Where is my order? It\'s been 3-5 business days',
  'Union Station is near the office', 'Order by phone or online', 'Drop shipping is a business model',
  'Insert coin to continue', 'Create an account or sign in', 'Table for two, please', 'From Paris to Rome by train',
  'Like new, used only once', 'Not bad at all', 'Execute the plan and report back', 'Declare your income by April',
  'Sleep well and sweet dreams', 'The benchmark results are in', 'User guide for version 2.0', 'Database design 101',
  'Having fun is the point', 'Limit one per customer', 'Into the woods we go', 'Case study: how we grew 200%',
  'If and only if it rains', 'Salt & pepper to taste', 'Tom & Jerry', 'AT&T and Verizon', 'R&D department, 2nd floor',
  'Q&A session at 3pm', 'A/B testing shows a 5% lift', 'Open 24/7', 'Works 9-5, Monday-Friday', 'Ships in 1-2 days',
  '50% off everything!', 'Buy 1, get 1 free', '100% cotton, size M/L', '12" pizza with extra cheese', '2x4 lumber, 8\' long',
  '1/2 cup sugar and 3/4 cup flour', '#1 best seller in books', 'Top 10 places to visit', 'Select all that apply',
  'Null and void', 'True or false: the earth is round', 'Yes/No', 'On/Off switch', 'Who\'s who in tech', 'What\'s new?',
  'Ma\'am, your table is ready', 'Y\'all come back now', 'Hawai\'i is beautiful', 'L\'Oréal Paris', 'Côte d\'Ivoire',
  'St. John\'s, Newfoundland', 'McDonald\'s and Ben & Jerry\'s', 'Toys"R"Us', '"Quoted" text here', '\'Single\' quoted words',
  'Say "hi" or \'bye\'', 'The "best" one (really)', '5 stars - \'amazing!\'', '-- end of message --', '--- separator ---',
  'Hello!!! Why??? :) ;) :-) <3', 'Call me at (555) 123-4567 or +1-800-555-0199', 'Meeting moved to 2:30pm (EST)',
  'Price: $1,299.99 (was $1,499.99)', 'Temperature: -5°C to 10°C', 'Score was 3-1 after extra time',
  'Chapter 3, pp. 45-67', 'See section 4.2.1 (below)', 'Ages 3+ only', 'Room #204, building B', 'Apt. #5, 123 Main St.',
  'I\'d like to order 2 items, please', 'Can\'t log in - password reset doesn\'t work', 'Where\'s the "submit" button?',
  'My name is Patrick O\'Brien and I\'m from Dublin', 'D\'Angelo, Jean-Luc and Mary-Ann', 'Smith, John (Jr.)',
  'The user\'s password must be 8+ characters', 'Sort by price: low to high', 'Group by category, then by date',
  'Select a color and a size', 'Update: the server is back online', 'Delete this comment?', 'Drop me a line sometime',
  'Insert the tab into slot A', 'Join us for dinner', 'Left or right?', 'Count me in', 'Replace the filter every 3 months',
  'Char-grilled burger', 'Version 1.2.3-beta is out', 'If it\'s broken, don\'t fix it... or do', 'It is what it is',
  'This is not a drill', 'Between you and me', 'Exists only in theory', 'Truncate the text after 100 characters',
  'Alter the dress by Friday', 'Grant access to the shared drive', 'Show me the money', 'Describe the problem in detail',
  'Explain like I\'m five', 'Set the alarm for 6:30', 'Values and principles', 'In case of fire, use stairs',
  'When in Rome, do as the Romans do', 'Then and now', 'Else we\'ll be late', 'The end', 'And so on and so forth',
  'Or else!', 'Cats and dogs and birds and fish', '1 or 2 people', 'Two or three times a day', 'Four and twenty blackbirds',
  'Give it 110%', 'Version 10 and version 11', 'Pick 1 and 2, or 3', 'Mix 1 part water and 2 parts flour',
  'Ratio 1:2:3', 'Windows 10 or macOS 13', 'Rated 4.5/5 by 1,024 users', 'Under $20 and over $10',
  'It\'s a 1-in-a-million chance', 'Room 1 or room 2?', 'Black and white', 'Salt, pepper, and oil',
  'Sleep(ing) beauty', 'Sleep mode (5 min)', 'Version (2.1) notes', 'Please select (one) option', 'Count (approx.) 500',
  'Left (or right) turn', 'Char (the fish) is tasty', 'User (admin) logged in', 'Max (the dog) is 5 years old',
  'Hello, world!', 'Good morning; how are you?', 'Note: this is important; read carefully', 'Yes; no; maybe',
  'Meet me @ 5', 'Email me @ john@example.com', 'Follow @example on social media', '#blessed #travel #food',
  'Use code SAVE20 at checkout', 'Invoice #INV-2023-0042 is due', 'Order #12345 has shipped', 'Ticket [JIRA-123] fixed',
  'Tag: [urgent] [billing]', 'Ref: {customer-id}', 'Set x = 5 and y = 10', 'The answer is 42', 'It\'s -3 outside',
  'Over 18? Click here', 'Kids under 12 eat free', 'x < 10 and y > 20', 'a <= b or c >= d', 'N/A', 'TBD', 'e.g. this', 'i.e. that',
];

const PHRASES = [
  'select', 'union', 'order', 'drop', 'insert', 'delete', 'update', 'create', 'table', 'from', 'where', 'like', 'or', 'and',
  'not', 'null', 'true', 'false', 'exec', 'declare', 'sleep', 'benchmark', 'char', 'user', 'database', 'version', 'having',
  'limit', 'into', 'case', 'when', 'if', 'count', 'left', 'right', 'join', 'group', 'by', 'desc', 'asc', 'set', 'values',
  'admin', 'root', 'test', 'guest', 'login', 'password', 'username', 'email', 'search', 'query', 'id', 'name', 'q', 'page',
  'sort', 'filter', 'limit=10', 'sort=desc', 'order=asc', 'dir=desc', 'select all', 'union jack', 'or not', 'and/or',
  'ascending order', 'descending', 'sql tutorial', 'mysql vs postgres', 'how to drop a table', 'union of sets',
  'select a color', 'select your country', 'order by date', 'group by month', 'delete account', 'update email',
  'drop-down menu', 'drop down', 'pull-down', 'insert image', 'create new', 'user id', 'user name', 'user-agent',
  'version 3', 'v2', 'char count', 'char limit 280', 'null pointer', 'not found', 'true north', 'false alarm',
  'sleep 8 hours', 'benchmark 2023', 'exec summary', 'declare war', 'case closed', 'if only', 'left 4 dead',
  'count down', 'join now', 'having a party', 'limit reached', 'into the wild', 'where am i', 'from scratch',
  'like and subscribe', 'or best offer', 'and more', 'table tennis', 'coffee table', 'time table', 'round table',
];

const VALUES = [
  '1', '0', '-1', '42', '3.14', '-2.5', '1e10', '6.02e23', '1.5E-3', '0x1F', '0b1010', '1,000', '1.000,00', '1 000 000',
  '10-20', '1-2', '5-10 years', '3/4', '2*3', '(1+2)*3', '1+1=2', '5 - 3 = 2', '2^10', '10%', '100 %', '1st', '2nd', '3rd',
  '#1', 'No. 5', '+49 30 1234567', '(555) 123-4567', '555-1234', '1-800-FLOWERS', '+1 (555) 000-1111 ext. 23',
  '2023-01-01', '01/02/2023', '1.2.2023', '2023-01-01T12:00:00Z', '2023-01-01T12:00:00.000+02:00', '12:30', '12:30:45.123',
  'Mon, 01 Jan 2023 00:00:00 GMT', 'Q1 2023', '2023-W05', 'P1Y2M3DT4H5M6S', '1h30m', '-5°C', '40.7128,-74.0060',
  '/usr/local/bin', 'C:\\Users\\john\\Documents\\file (1).txt', '..\\images\\logo.png', '../images/logo.png',
  'my-file_v2.final.pdf', 'report--draft.docx', '~/.bashrc', '/api/v1/users/123', '*.txt', 'src/**/*.ts', 'a/b/c/',
  'john.doe@example.com', 'o\'brien@example.ie', 'user+tag@mail.co.uk', 'first.last@sub.example.org',
  'https://example.com/path?q=1&x=y#frag', 'http://localhost:8080/', 'ftp://files.example.org/pub/', 'mailto:a@b.c',
  'www.example.com', 'https://example.com/search?q=select+a+color&page=2', 'https://example.com/a(b)c',
  'https://en.wikipedia.org/wiki/O%27Reilly_Media', '//cdn.example.com/lib.js?v=1.2.3', 'data:image/png;base64,iVBORw0KGgo=',
  '{"name":"O\'Reilly","tags":["a","b"],"n":1}', '[1,2,3]', '{"query":"select","or":true}', '{"a":null,"b":false}',
  '{"id":123,"price":-1.5e3}', '["x","y"]', '{}', '[]', '{"q":"it\'s"}', 'a=1&b=2', 'key=value; other=thing',
  'name,age,city', '"Smith, John",42,"New York"', 'x;y;z', 'a|b|c', 'a:b:c', 'k1=v1,k2=v2',
  'a = b + c;', 'if (x > 5) { y = 1; }', 'for (i = 0; i < n; i++)', 'x == 1 && y == 2', 'foo(bar, baz)', 'arr[0]',
  'i++', 'x -= 1', 'return a || b;', 'print(\'hello\')', 'console.log("hi")', '$var = \'x\';', '#include <stdio.h>',
  '// comment', '/* comment */', '<!-- note -->', 'def f(x): return x*2', 'lambda x: x+1', 'x => x * 2', 'a ? b : c',
  'std::vector<int>', '@Override', '@media (max-width: 600px)', 'color: #fff; margin: 0 auto;', 'font: 12px/1.5 "Helvetica Neue", Arial',
  'git commit -m \'fix bug\'', 'npm install --save-dev typescript', 'ls -la | grep foo', 'echo "hello" > out.txt',
  'rm -rf node_modules', '/', '/index.html', '/api/v1/users/123/orders', '/static/js/app.3f2a1b.min.js',
  '/images/2023/01/photo-1.jpg', '/wp-content/uploads/2023/05/', '/search/select-all', '/products/order-by-date',
  '/blog/2023/how-to-drop-a-table', '/docs/sql/select-statement.html', '/docs/union-types', '/user/login',
  '/v2/items/42/', '/a/b/c/d/e/f', '/files/report (final).pdf', '/cgi-bin/test.cgi', '/~user/page', '/api/v1/search/or/and',
  '/en-us/products/1-2-3', '/static/fonts/font.woff2', '/callback/oauth2/google', '/shop/cart/item/5/delete',
  '/2023-01-01/archive', '/tags/c++', '/tags/c#', '/u/john.doe/', '/repos/x/y/pulls/1/files', '/@scope/pkg/-/pkg-1.0.0.tgz',
  'index.php', 'logo.png', 'robots.txt', 'style.min.css', 'app.js.map', 'curl -X POST -H \'Content-Type: application/json\' -d \'{"a":1}\'', 'SELECT', 'Union',
  '**bold** and _italic_', '# Heading', '- item one', '* bullet', '1. first', '> quote', '`code`', '```js```',
  ':)', ';)', ':-)', ':-(', '<3', 'xD', '^_^', '-_-', '->', '=>', '<-', '<=>', '...', '!!!', '???', '***', '--', '---', '==',
  '\'', '"', '\'\'', '""', '`', '()', '(', ')', ';', '#', '@', '$', '%', '&', '*', '-', '+', '=', '/', '\\',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)', 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)',
  'curl/8.4.0', 'python-requests/2.31.0', 'Java/17.0.2', 'okhttp/4.12.0', 'Go-http-client/1.1', 'PostmanRuntime/7.36.0',
  'Dalvik/2.1.0 (Linux; U; Android 13; SM-G991B Build/TP1A.220624.014)', 'MyApp/1.0 (iOS 17.1; iPhone15,2; Scale/3.00)',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)', 'Wget/1.21.4', 'Apache-HttpClient/4.5.14 (Java/17)',
  'en-US,en;q=0.9,de;q=0.8', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'gzip, deflate, br',
  '_ga=GA1.2.123456789.1690000000', 'PHPSESSID=8f14e45fceea167a5a36dedd4bea2543', 'theme=dark; lang=en-US',
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'dGVzdA==', 'SGVsbG8gV29ybGQh', 'YWRtaW46cGFzc3dvcmQ=', 'ab+cd/ef==', 'a1b2-c3d4-e5f6', '550e8400-e29b-41d4-a716-446655440000',
  'd41d8cd98f00b204e9800998ecf8427e', '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12', '1234-ABCD-5678-EFGH', 'SKU-00123-XL',
  'ISBN 978-0-596-52068-7', 'v1.2.3-rc.1+build.5', '1.0.0-alpha', 'node@20.11.0', 'pkg@^1.2.3', '~1.2', '>=1.0 <2.0',
];

/** Query and filter languages of APIs (OData, SCIM, Lucene, GraphQL, RSQL, PostgREST, PromQL...). */
const API_SYNTAX = [
  'Name eq \'Milk\' and Price lt 2.55', 'Price gt 20 or Rating ge 4', 'startswith(Name,\'Mi\') eq true',
  'contains(Description,\'organic\')', 'userName eq "bjensen"', 'emails[type eq "work" and value co "@example.com"]',
  'name:"John Smith" AND age:[20 TO 30]', '(apple OR banana) AND NOT cherry', '"exact phrase" OR other',
  'status:active AND (type:a OR type:b)', '{ user(id: 1) { name email } }', 'mutation { deleteUser(id: "123") { ok } }',
  'query { posts(first: 10) { nodes { id title } } }', 'name==John;age=gt=30', 'status=in=(active,pending)',
  'price > 100 and price < 200', 'status = \'active\'', 'created_at >= \'2023-01-01\'', 'id in (1,2,3)',
  'sort=-created_at,name', '$filter=Name eq \'x\'', '$orderby=Name desc', '$select=Name,Price', 'order=name.asc,id.desc',
  'select=id,name,orders(id,total)', 'or=(age.lt.18,age.gt.65)', 'name=ilike.*john*', 'count(*)', 'sum(amount) by region',
  'rate(http_requests_total[5m])', 'sum by (job) (rate(http_requests_total[5m]))', 'a.b.c == \'x\' && d != null',
  '$.store.book[?(@.price < 10)].title', '//book[@price<10]/title', 'W/"33a64df551425fcc55e4d42a148795d9f25f89d4"',
  'max-age=31536000; includeSubDomains', 'no-cache, no-store, must-revalidate', 'bytes=0-499',
];

/** Non-English text (every sample becomes UTF-8 bytes: values are byte strings). */
const UNICODE = [
  '访问成功', '你好，世界', '北京市朝阳区', '用户名或密码错误', 'こんにちは', 'ありがとうございます', '안녕하세요',
  'Привет, мир', 'Москва', 'Grüße aus München', 'Straße', 'Ça va très bien', 'Crème brûlée à la française',
  'Español: ¿dónde está?', 'Zürich', 'São Paulo', 'Kraków', 'İstanbul', 'مرحبا', 'שלום', 'Ελληνικά', '€100', '£50', '¥1000',
  '日本語のテキスト', '中文（简体）', '「引用」', '“smart quotes”', '‘single smart’', 'it’s', 'em—dash', 'en–dash', '…',
];

/** All benign samples, deterministic. */
export function benignSamples(): string[] {
  const out: string[] = [];
  const push = (s: string): void => {
    out.push(s, s.toLowerCase(), s.toUpperCase());
  };
  for (const s of SENTENCES) {
    push(s);
    pushFragments(s, out);
  }
  for (const s of PHRASES) push(s);
  for (const s of VALUES) out.push(s);
  for (const s of API_SYNTAX) push(s);
  for (const s of UNICODE) out.push(s);
  for (const s of [...SENTENCES.slice(0, 40), ...VALUES.slice(0, 40)]) {
    // The same text as a quoted value, and with the punctuation forms ends take.
    out.push(`'${s}'`, `"${s}"`, `(${s})`, `${s}.`, `${s}?`, `${s}!`, `${s} -- ok`, `${s} :)`);
  }
  pushGenerated(out);
  return out.map(utf8Bytes);
}

/** Every run of one to six words of a sentence. */
function pushFragments(sentence: string, out: string[]): void {
  const words = sentence.split(' ');
  for (let i = 0; i < words.length; i++) {
    for (let n = 1; n <= 6 && i + n <= words.length; n++) out.push(words.slice(i, i + n).join(' '));
  }
}

/** Identifiers, hashes, tokens and numbers of the usual formats, from a seeded generator. */
function pushGenerated(out: string[]): void {
  let seed = 0x2545f491;
  const rand = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const pick = (alphabet: string, len: number): string => {
    let s = '';
    for (let j = 0; j < len; j++) s += alphabet[rand(alphabet.length)] ?? '';
    return s;
  };
  const HEX = '0123456789abcdef';
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const DIGITS = '0123456789';
  const formats: ReadonlyArray<() => string> = [
    () => pick(HEX, 8 + rand(56)),
    () => pick(HEX.toUpperCase(), 4 + rand(28)),
    () => {
      const body = pick(B64, 4 * (1 + rand(12)));
      return rand(3) === 0 ? `${body.slice(0, -1)}=` : rand(2) === 0 ? `${body.slice(0, -2)}==` : body;
    },
    () => pick(B64URL, 8 + rand(40)),
    () => [8, 4, 4, 4, 12].map((n) => pick(HEX, n)).join('-'),
    () => Array.from({ length: 2 + rand(3) }, () => pick(DIGITS, 1 + rand(4))).join(['-', '.', '/', ':', ' '][rand(5)] ?? '-'),
    () => `${pick(UPPER, 2 + rand(4))}-${pick(DIGITS, 2 + rand(6))}${rand(2) === 0 ? `-${pick(UPPER, 1 + rand(3))}` : ''}`,
    () => pick(ALNUM, 1 + rand(20)),
    () => Array.from({ length: 1 + rand(4) }, () => pick('abcdefghijklmnopqrstuvwxyz', 1 + rand(9))).join(' '),
    () => `${rand(2) === 0 ? '-' : ''}${pick(DIGITS, 1 + rand(9))}${rand(2) === 0 ? `.${pick(DIGITS, 1 + rand(6))}` : ''}`,
  ];
  for (let i = 0; i < 4000; i++) out.push((formats[i % formats.length] ?? (() => ''))());
}

const encoder = new TextEncoder();

function utf8Bytes(s: string): string {
  if (!/[^ -~\t\n\r]/.test(s)) return s;
  let out = '';
  for (const b of encoder.encode(s)) out += String.fromCharCode(b);
  return out;
}
