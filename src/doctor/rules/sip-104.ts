import { annotations, get, providerOf, serviceType, str, trafficPolicy } from '../context.ts';
import { nginxData } from '../edge.ts';
import type { RawFinding, Rule } from '../types.ts';

const AWS_HC = 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-';

/** SIP-104: Local works only when the LB health-checks kube-proxy's healthCheckNodePort. */
export const rule: Rule = {
  id: 'SIP-104',
  slug: 'health-check-not-on-hc-nodeport',
  severity: 'error',
  title: 'the load balancer does not health-check healthCheckNodePort of an externalTrafficPolicy Local Service',
  symptom: 'traffic-loss',
  concerns: ['Service', 'ConfigMap kube-system/cilium-config'],
  needs: 'static',
  why:
    'For `type: LoadBalancer` + `externalTrafficPolicy: Local`, kube-proxy serves `/healthz` on `spec.healthCheckNodePort`: ' +
    '200 only on nodes with a ready local endpoint. The LB must probe that port to stop sending to nodes that drop the ' +
    'traffic. A TCP or traffic-port health check succeeds on every node. AWS Load Balancer Controller: "if the service ' +
    '`spec.externalTrafficPolicy` is `Local`, do not use `tcp` for health check". With Cilium kube-proxy replacement and ' +
    '`enable-health-check-nodeport: "false"`, nobody serves the port. In live mode a Service without an allocated port is flagged too.',
  fix: "Remove the health-check overrides (the default for Local is HTTP on healthCheckNodePort); enable the service proxy's health-check server.",
  references: [
    'https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#health-check',
    'https://kubernetes.io/docs/tutorials/services/source-ip/#source-ip-for-services-with-type-loadbalancer',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    const cilium = ctx.kind('ConfigMap').find((c) => c.name === 'cilium-config');
    const ciliumData = cilium ? nginxData(cilium) : {};
    const ciliumNoHc =
      cilium !== undefined &&
      /^(true|strict)$/.test(ciliumData['kube-proxy-replacement'] ?? '') &&
      ciliumData['enable-health-check-nodeport'] === 'false';
    for (const service of ctx.services) {
      if (serviceType(service) !== 'LoadBalancer' || trafficPolicy(service) !== 'Local') continue;
      const anns = annotations(service);
      // NLB IP targets are the pods themselves: kube-proxy and healthCheckNodePort are not in the path,
      // so checking the pod (e.g. the gateway's /readyz) is right there.
      const ipTargets = providerOf(service) === 'aws-nlb-ip';
      const protocol = ipTargets ? undefined : anns[`${AWS_HC}protocol`];
      const port = anns[`${AWS_HC}port`];
      const hcPort = str(get(service.raw, ['spec', 'healthCheckNodePort']));
      if (protocol !== undefined && /^tcp$/i.test(protocol.trim())) {
        out.push({
          object: service,
          path: ['metadata', 'annotations', `${AWS_HC}protocol`],
          message: 'AWS health check uses TCP: it succeeds on nodes without a local endpoint, which drop the traffic',
        });
      } else if (!ipTargets && port !== undefined && port !== hcPort) {
        out.push({
          object: service,
          path: ['metadata', 'annotations', `${AWS_HC}port`],
          message: `AWS health check port ${JSON.stringify(port)} is not healthCheckNodePort: nodes without a local endpoint stay in service`,
        });
      }
      if (ciliumNoHc) {
        out.push({
          object: service,
          path: ['spec', 'externalTrafficPolicy'],
          message:
            'Cilium kube-proxy replacement has enable-health-check-nodeport "false": nothing answers the LB health check',
          related: [cilium],
        });
      }
      const fromApi = get(service.raw, ['metadata', 'uid']) !== undefined;
      if (fromApi && (hcPort === undefined || hcPort === '0')) {
        out.push({
          object: service,
          path: ['spec'],
          message: 'no healthCheckNodePort allocated for this LoadBalancer Service with externalTrafficPolicy Local',
        });
      }
    }
    return out;
  },
};
