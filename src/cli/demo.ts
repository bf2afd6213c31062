// `portcullis demo`: the demo API on loopback, a configuration file written next to it (so the
// user sees exactly what runs), and the gateway in front, with a few things to try.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startDemoApi } from '../demo/demo-api.js';
import { runPrimary } from '../runtime/primary.js';

export function demoConfig(upstream: string, port: number, adminPort: number, dataDir: string): string {
  return `# Written by \`portcullis demo\`. Run it yourself with: portcullis serve --config ${path.join(dataDir, 'portcullis.yaml')}
listeners:
  - name: public
    address: 127.0.0.1:${port}
admin:
  address: 127.0.0.1:${adminPort}
dataDir: ${JSON.stringify(dataDir)}
workers: 1

upstreams:
  demo:
    targets: [${upstream}]

routes:
  - name: api
    match: { pathPrefix: /api }
    upstream: demo
  - name: everything-else
    upstream: demo

# The admin area of the demo API is never reachable through the gateway.
acl:
  rules:
    - name: no-admin
      action: deny
      match:
        path: { glob: "/admin/**" }

rateLimits:
  - name: per-client
    key: ip
    rate: 50/s
    burst: 100
  - name: login
    key: ip
    rate: 3/m
    burst: 3
    match:
      path: { prefix: /api/login }
`;
}

export async function runDemo(o: { port: string; adminPort: string; data: string }): Promise<number> {
  const port = Number(o.port);
  const adminPort = Number(o.adminPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) {
    process.stderr.write('portcullis demo: --port and --admin-port must be port numbers\n');
    return 2;
  }
  const api = await startDemoApi();
  const dataDir = path.resolve(o.data, 'demo');
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'portcullis.yaml');
  writeFileSync(file, demoConfig(api.url, port, adminPort, dataDir));
  const code = await runPrimary({
    file,
    flags: {},
    onReady: ({ listeners, admin }) => {
      const url = listeners[0]?.url ?? `http://127.0.0.1:${port}`;
      process.stderr.write(
        [
          '',
          `Portcullis demo: the gateway listens on ${url}, in front of a demo API on ${api.url}.`,
          `Configuration: ${file}`,
          '',
          'Try:',
          `  curl -i ${url}/api/hello                       # proxied; note X-Request-Id and RateLimit headers`,
          `  curl -i ${url}/api/users/1`,
          `  curl -i ${url}/api/orders -H 'content-type: application/json' -d '{"item":"book"}'`,
          `  curl -i ${url}/admin/stats                     # 403: denied by the ACL rule "no-admin"`,
          `  curl -i --path-as-is ${url}/public/../admin/stats  # 403 too: paths are normalised first`,
          `  for i in 1 2 3 4; do curl -s -o /dev/null -w '%{http_code}\\n' -X POST ${url}/api/login; done   # 429 on the 4th`,
          `  curl -i ${admin}/readyz                      # admin listener: health and readiness`,
          '',
          'Access log lines (JSON) appear on stdout. Ctrl-C drains and stops.',
          '',
        ].join('\n'),
      );
    },
  });
  api.server.close();
  return code;
}
