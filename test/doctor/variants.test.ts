/**
 * The other branches of the rules (second messages, severity changes), one table row each:
 * inline manifests, the rule expected, its severity and a message pattern. Rows named `fail:`
 * must produce no finding of that rule.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorOnText } from './run.ts';

type Case = { name: string; yaml: string; rule: string; severity?: string; message?: RegExp };

const nginxCm = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\ndata:\n${data}\n`;
const svc = (extra: string, annotations = '') =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: edge\n  namespace: web\n  annotations: {${annotations}}\nspec:\n  type: LoadBalancer\n  selector: {app: edge}\n${extra}\n`;
const kong = (env: Record<string, string>) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: kong, namespace: web}\nspec:\n  template:\n    metadata: {labels: {app: edge}}\n    spec:\n      containers:\n        - name: proxy\n          image: kong:3.7\n          env:\n${Object.entries(
    env,
  )
    .map(([k, v]) => `            - {name: ${k}, value: "${v}"}`)
    .join('\n')}\n`;

const cases: Case[] = [
  {
    name: 'SIP-401: narrow proxy-real-ip-cidr still warns about X-Forwarded-Host (#9163)',
    yaml: nginxCm('  use-forwarded-headers: "true"\n  proxy-real-ip-cidr: "10.0.0.0/16"'),
    rule: 'SIP-401',
    severity: 'warning',
    message: /9163/,
  },
  {
    name: 'SIP-401: a placeholder CIDR is reported',
    yaml: nginxCm('  use-forwarded-headers: "true"\n  proxy-real-ip-cidr: "XXX.XXX.XXX/XX"'),
    rule: 'SIP-401',
    severity: 'warning',
    message: /not CIDRs/,
  },
  {
    name: 'SIP-401: enable-real-ip with an explicit 0.0.0.0/0',
    yaml: nginxCm('  enable-real-ip: "true"\n  proxy-real-ip-cidr: "0.0.0.0/0"'),
    rule: 'SIP-401',
    severity: 'error',
    message: /enable-real-ip/,
  },
  {
    name: 'SIP-103: no ready endpoint at all is an error (from Pods when there are no EndpointSlices)',
    yaml: `${svc('  externalTrafficPolicy: Local')}---\napiVersion: v1\nkind: Pod\nmetadata: {name: edge-1, namespace: web, labels: {app: edge}}\nspec: {nodeName: n1}\nstatus: {conditions: [{type: Ready, status: "False"}]}\n`,
    rule: 'SIP-103',
    severity: 'error',
    message: /no ready endpoint/,
  },
  {
    name: 'SIP-104: Cilium kube-proxy replacement without the health-check node port server',
    yaml: `${svc('  externalTrafficPolicy: Local')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {kube-proxy-replacement: "true", enable-health-check-nodeport: "false"}\n`,
    rule: 'SIP-104',
    severity: 'error',
    message: /Cilium/,
  },
  {
    name: 'SIP-104: live Service without healthCheckNodePort',
    yaml: svc('  externalTrafficPolicy: Local').replace('  name: edge\n', '  name: edge\n  uid: 1f2e\n'),
    rule: 'SIP-104',
    message: /no healthCheckNodePort/,
  },
  {
    name: 'SIP-201: DSR without native routing',
    yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {kube-proxy-replacement: "true", bpf-lb-mode: dsr, routing-mode: tunnel}\n',
    rule: 'SIP-201',
    severity: 'warning',
    message: /native/,
  },
  {
    name: 'SIP-201: Azure LB with Cluster policy probes 10256, which Cilium does not serve',
    yaml: `${svc('', '"service.beta.kubernetes.io/azure-load-balancer-internal": "false"')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {kube-proxy-replacement: "true", bpf-lb-mode: hybrid, routing-mode: native}\n`,
    rule: 'SIP-201',
    severity: 'warning',
    message: /10256/,
  },
  {
    name: 'SIP-101: suppressed by a DSR dataplane',
    yaml: `${svc('')}---\n${kong({})}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {kube-proxy-replacement: "true", bpf-lb-mode: dsr, routing-mode: native}\n`,
    rule: 'fail:SIP-101',
  },
  {
    name: 'SIP-101: an app (not an edge proxy) behind Cluster is info only',
    yaml: `${svc('')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: web}\nspec:\n  template:\n    metadata: {labels: {app: edge}}\n    spec: {containers: [{name: a, image: python:3.12}]}\n`,
    rule: 'SIP-101',
    severity: 'info',
  },
  {
    name: 'SIP-202: MetalLB shared IP with Local',
    yaml: `${svc('  externalTrafficPolicy: Local', '"metallb.io/allow-shared-ip": "web"')}`,
    rule: 'SIP-202',
    message: /shared IP/,
  },
  {
    name: 'SIP-404: trusted_ips unset behind a PROXY-sending LB',
    yaml: `${svc('', '"service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol": "true"')}---\n${kong({ KONG_PROXY_LISTEN: '0.0.0.0:8000 proxy_protocol', KONG_REAL_IP_HEADER: 'proxy_protocol' })}`,
    rule: 'SIP-404',
    severity: 'warning',
    message: /unset/,
  },
  {
    name: 'SIP-404: real_ip_header proxy_protocol without a proxy_protocol listener',
    yaml: kong({ KONG_TRUSTED_IPS: '10.0.0.0/8', KONG_REAL_IP_HEADER: 'proxy_protocol' }),
    rule: 'SIP-404',
    severity: 'warning',
    message: /no proxy_protocol listener/,
  },
  {
    name: 'SIP-404: X-Forwarded-For without recursion',
    yaml: kong({ KONG_TRUSTED_IPS: '10.0.0.0/8', KONG_REAL_IP_HEADER: 'X-Forwarded-For' }),
    rule: 'SIP-404',
    severity: 'info',
    message: /RECURSIVE/,
  },
  {
    name: 'SIP-301: Kong parses PROXY but the LB does not send it',
    yaml: `${svc('  externalTrafficPolicy: Local')}---\n${kong({ KONG_PROXY_LISTEN: '0.0.0.0:8000 proxy_protocol', KONG_TRUSTED_IPS: '10.0.0.0/8', KONG_REAL_IP_HEADER: 'proxy_protocol' })}`,
    rule: 'SIP-301',
    severity: 'error',
    message: /broken header/,
  },
  {
    name: 'SIP-405: traefik.yml in a ConfigMap with insecure forwarded headers',
    yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: traefik-config, namespace: traefik}\ndata:\n  traefik.yml: |\n    entryPoints:\n      web:\n        address: ":8000"\n        forwardedHeaders:\n          insecure: true\n',
    rule: 'SIP-405',
    severity: 'error',
  },
  {
    name: 'SIP-406: customHeader without failClosed, optional PROXY',
    yaml: 'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: p, namespace: eg}\nspec:\n  clientIPDetection:\n    customHeader: {name: X-Client-IP}\n  proxyProtocol: {optional: true}\n',
    rule: 'SIP-406',
    message: /failClosed|optional/,
  },
  {
    name: 'SIP-407: PROXY annotation mirrored by a ClientTrafficPolicy is info',
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: eg, namespace: eg}\nspec:\n  infrastructure:\n    annotations: {"service.beta.kubernetes.io/aws-load-balancer-proxy-protocol": "*"}\n---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: p, namespace: eg}\nspec: {proxyProtocol: {}}\n',
    rule: 'SIP-407',
    severity: 'info',
  },
  {
    name: 'SIP-410: junk in a trust list and optional PROXY trusting nobody',
    yaml: 'listeners:\n  - name: l\n    port: 1\n    proxyProtocol: {mode: optional}\ntrustProfiles:\n  - name: t\n    trusted: ["10.0.0.0/8", "cloudflare-ish!"]\nroutes: []\n',
    rule: 'SIP-410',
    severity: 'warning',
  },
  {
    name: 'SIP-411: real_ip_header without set_real_ip_from does nothing',
    yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n, namespace: web}\ndata:\n  default.conf: |\n    server { real_ip_header X-Forwarded-For; }\n',
    rule: 'SIP-411',
    severity: 'warning',
    message: /no effect/,
  },
  {
    name: 'SIP-109: kube-proxy DaemonSet flags',
    yaml: 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: kube-proxy, namespace: kube-system}\nspec:\n  template:\n    spec:\n      containers:\n        - name: kube-proxy\n          image: registry.k8s.io/kube-proxy:v1.31.2\n          command: [kube-proxy, --masquerade-all, --proxy-mode=ipvs]\n',
    rule: 'SIP-109',
    severity: 'warning',
  },
  {
    name: 'SIP-403: Traefik ipAllowList behind a Cluster-policy Service',
    yaml: `${svc('')}---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: traefik, namespace: web}\nspec:\n  template:\n    metadata: {labels: {app: edge}}\n    spec: {containers: [{name: t, image: "traefik:v3.1"}]}\n---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata: {name: office, namespace: web}\nspec:\n  ipAllowList:\n    sourceRange: [198.51.100.0/24]\n`,
    rule: 'SIP-403',
    severity: 'error',
  },
  {
    name: 'SIP-405: Traefik chart values with ports.web.forwardedHeaders.insecure',
    yaml: 'image: {repository: traefik}\nports:\n  web:\n    port: 8000\n    forwardedHeaders:\n      trustedIPs: []\n      insecure: true\nservice:\n  spec: {externalTrafficPolicy: Local}\n',
    rule: 'SIP-405',
    severity: 'error',
    message: /forwardedheaders\.insecure/,
  },
  {
    name: 'fail: SIP-301: Traefik PROXY parsing is optional (go-proxyproto USE), so no LB PROXY is not a mismatch',
    yaml: 'image: {repository: traefik}\nports:\n  web:\n    proxyProtocol:\n      trustedIPs: [10.0.0.0/16]\nservice:\n  spec: {externalTrafficPolicy: Local}\n',
    rule: 'fail:SIP-301',
  },
  {
    name: 'SIP-301: the LB sends PROXY but Traefik does not parse it',
    yaml: 'image: {repository: traefik}\nports:\n  web: {port: 8000}\nservice:\n  annotations: {"service.beta.kubernetes.io/aws-load-balancer-proxy-protocol": "*"}\n',
    rule: 'SIP-301',
    severity: 'error',
    message: /does not parse it/,
  },
  {
    name: 'fail: SIP-104: NLB IP targets health-checking the pod port is right (no healthCheckNodePort in the path)',
    yaml: svc(
      '  externalTrafficPolicy: Local',
      '"service.beta.kubernetes.io/aws-load-balancer-type": external, "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": ip, "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "9090", "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": tcp',
    ),
    rule: 'fail:SIP-104',
  },
  {
    name: 'SIP-203: svc_election without vip_nodename from the downward API (kube-vip#810)',
    yaml: `${svc('  externalTrafficPolicy: Local')}---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: kube-vip, namespace: kube-system}\nspec:\n  template:\n    spec:\n      containers:\n        - name: kube-vip\n          image: ghcr.io/kube-vip/kube-vip:v0.8.0\n          env:\n            - {name: svc_enable, value: "true"}\n            - {name: svc_election, value: "true"}\n            - {name: vip_nodename, value: node-1}\n`,
    rule: 'SIP-203',
    message: /vip_nodename/,
  },
];

for (const c of cases) {
  test(c.name, async () => {
    const result = await doctorOnText(c.yaml);
    assert.deepEqual(result.errors, []);
    const negative = c.rule.startsWith('fail:');
    const rule = negative ? c.rule.slice(5) : c.rule;
    const mine = result.findings.filter((f) => f.ruleId === rule);
    if (negative) return assert.deepEqual(mine, []);
    const hit = mine.find(
      (f) => (!c.severity || f.severity === c.severity) && (!c.message || c.message.test(f.message)),
    );
    assert.ok(
      hit,
      `${rule} ${c.severity ?? ''} ${c.message ?? ''} not found in ${JSON.stringify(result.findings.map((f) => [f.ruleId, f.severity, f.message]))}`,
    );
  });
}
