/**
 * A loopback HTTP server that answers like kube-apiserver for the read-only list calls the doctor
 * makes, from recorded list responses (fixtures/live/*.json: path → List body). Namespaced paths
 * (`/api/v1/namespaces/<ns>/services`) are served by filtering the cluster-wide list; single
 * objects (`…/namespaces/<ns>/configmaps/<name>`) by lookup. Unknown paths get a 404 Status, as
 * for a CRD that is not installed. Knobs: a bearer token to require, paths that answer 403, paths
 * that never answer (timeouts). Listens on 127.0.0.1 port 0; close() also drops held sockets.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type List = {
  kind: string;
  apiVersion: string;
  metadata: object;
  items: { metadata: { name: string; namespace?: string } }[];
};

export interface FakeApiOptions {
  readonly fixture: string;
  readonly token: string;
  readonly forbid?: readonly string[];
  readonly hang?: readonly string[];
}

export interface FakeApi {
  readonly url: string;
  readonly requests: { method: string; path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

export async function startFakeApi(options: FakeApiOptions): Promise<FakeApi> {
  const lists = JSON.parse(readFileSync(options.fixture, 'utf8')) as Record<string, List>;
  const requests: FakeApi['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', 'the doctor only reads');
    if (options.hang?.includes(path)) return; // never answers: the client's deadline must fire
    if (options.forbid?.includes(path)) {
      const resource = path.split('/').pop();
      return status(
        res,
        403,
        'Forbidden',
        `${resource} is forbidden: User "system:serviceaccount:ci:doctor" cannot list resource "${resource}" in API group "" at the cluster scope`,
      );
    }
    let body: List | List['items'][number] | undefined = lists[path];
    const namespaced = /^(\/apis?(?:\/[^/]+)?\/v[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (!body && namespaced) {
      const [, group, ns, resource, name] = namespaced as unknown as [
        string,
        string,
        string,
        string,
        string | undefined,
      ];
      const all = lists[`${group}/${resource}`];
      if (all && name) body = all.items.find((i) => i.metadata.namespace === ns && i.metadata.name === name);
      else if (all) body = { ...all, items: all.items.filter((i) => i.metadata.namespace === ns) };
    }
    if (!body) return status(res, 404, 'NotFound', `the server could not find the requested resource (get ${path})`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A kubeconfig with token auth pointing at the fake server(s); extra contexts for --context tests.
 * client-node 2.x refuses plain-HTTP servers ("HTTP protocol is not allowed when skipTLSVerify is
 * not set or false"), so the clusters set insecure-skip-tls-verify, as one would for kubectl proxy.
 */
export function kubeconfigFor(contexts: Record<string, string>, current: string, token: string): string {
  const names = Object.keys(contexts);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...names.flatMap((n) => [
      `  - name: ${n}`,
      '    cluster:',
      `      server: ${contexts[n]}`,
      '      insecure-skip-tls-verify: true',
    ]),
    'users:',
    '  - name: doctor',
    '    user:',
    `      token: ${token}`,
    'contexts:',
    ...names.flatMap((n) => [`  - name: ${n}`, '    context:', `      cluster: ${n}`, '      user: doctor']),
    `current-context: ${current}`,
    '',
  ].join('\n');
}
