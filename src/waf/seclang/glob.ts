// Include paths with wildcards ("rules/*.conf", "conf.d/*/rules-?.conf"), expanded segment by
// segment and sorted, as Apache and ModSecurity do. Only '*', '?' and '[...]' are special.
import fs from 'node:fs';
import path from 'node:path';

function segmentRegex(segment: string): RegExp {
  let re = '^';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        let body = segment.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[\\^$.|+(){}]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

const hasWildcard = (s: string) => /[*?[]/.test(s);

/** Absolute paths of the files matching `pattern` (an absolute path), sorted. */
export function expandGlob(pattern: string): string[] {
  if (!hasWildcard(pattern)) return fs.existsSync(pattern) ? [pattern] : [];
  const root = path.parse(pattern).root;
  const segments = pattern.slice(root.length).split(path.sep).filter(Boolean);
  let current = [root];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasWildcard(seg)) {
        next.push(path.join(dir, seg));
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      const re = segmentRegex(seg);
      for (const n of names.sort()) {
        if (!re.test(n)) continue;
        const full = path.join(dir, n);
        try {
          const st = fs.statSync(full);
          if (last ? st.isFile() : st.isDirectory()) next.push(full);
        } catch {
          // vanished
        }
      }
    }
    current = next;
  }
  return current.filter((f) => {
    try {
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  });
}
