import { describe, readMetric, type Scenario } from '../context.ts';
import { ports } from '../services.ts';
import { addr } from '../topology.ts';

/** Kong's path: HAProxy LB with send-proxy-v2 → gateway listener requiring PROXY from the LB; and both mismatches. */
export const scenario8: Scenario = {
  id: 8,
  title: "Kong's path: PROXY protocol v2 from the cloud LB, and both mismatches",
  async run(ctx) {
    const client = addr.inet.ip;
    const lb = addr.lb.wan;
    const text0 = await ctx.metricText();
    const good = await ctx.whoami('inet', { url: `http://${lb}:${ports.lbProxy}/`, timeoutMs: 4000 });
    const text1 = await ctx.metricText();
    const extra = await ctx.request('inet', { url: `http://${lb}:${ports.lbProxyToPlain}/`, timeoutMs: 4000 });
    const text2 = await ctx.metricText();
    const missing = await ctx.request('inet', { url: `http://${lb}:${ports.lbPlainToProxy}/`, timeoutMs: 4000 });
    const text3 = await ctx.metricText();
    // A client slow to speak (300 ms): HAProxy connects to the backend at once and its PROXY header leaves alone.
    const eager = await ctx.whoami('inet', {
      url: `http://${lb}:${ports.lbProxyEager}/`,
      timeoutMs: 3000,
      delayWriteMs: 300,
    });
    const text4 = await ctx.metricText();
    // Control: the same slow client straight to a listener without PROXY is answered.
    const control = await ctx.whoami('inet', { url: `http://${addr.vip}:${ports.public}/`, delayWriteMs: 300 });
    const delta = (a: string, b: string, name: string, labels: Record<string, string>) =>
      readMetric(b, name, labels) - readMetric(a, name, labels);
    const accepted = delta(text0, text1, 'sourceip_proxy_protocol_total', { listener: 'proxy', outcome: 'accepted' });
    const badRequests = delta(text1, text2, 'sourceip_bad_requests_total', { listener: 'noproxy' });
    const missingCount = delta(text2, text3, 'sourceip_proxy_protocol_total', {
      listener: 'proxy',
      outcome: 'missing',
    });
    const eagerAccepted = delta(text3, text4, 'sourceip_proxy_protocol_total', {
      listener: 'proxy',
      outcome: 'accepted',
    });
    return [
      {
        scenario: 8,
        name: `internet client ${client} → LB ${lb}:${ports.lbProxy} (send-proxy-v2) → VIP:${ports.proxyRequired} (PROXY required from the LB) → app`,
        expected: `the app sees ${client}; PROXY header accepted`,
        observed:
          good.reply === null
            ? `${describe(good.result)}; PROXY accepted +${accepted}`
            : `app saw ${good.reply.client.ip}; sourceip_proxy_protocol_total{listener="proxy",outcome="accepted"} +${accepted}`,
        pass: good.reply?.client.ip === client && accepted >= 1,
        note:
          'The LB is a TCP proxy: without PROXY protocol the ingress would only see the LB. The PROXY v2 header carries the client; ' +
          "the listener reads it only from the LB's address. Mismatches fail as the guide's troubleshooting says: the header " +
          'arriving at a plain HTTP listener is a malformed request line ("broken header" / 400), and a listener that requires ' +
          'the header closes connections that lack it.',
      },
      {
        scenario: 8,
        name: `mismatch: LB sends PROXY v2 (:${ports.lbProxyToPlain}) to a listener that does not expect it (:${ports.noProxy})`,
        expected:
          'the app never sees the request: 400 Bad Request (the PROXY bytes are not HTTP); counted as a bad request',
        observed: `${describe(extra)}; sourceip_bad_requests_total{listener="noproxy"} +${badRequests}`,
        pass: extra.ok && extra.status === 400 && badRequests >= 1,
      },
      {
        scenario: 8,
        name: `mismatch: LB without PROXY (:${ports.lbPlainToProxy}) to the listener that requires it (:${ports.proxyRequired})`,
        expected: 'connection closed without an answer; counted as a missing PROXY header',
        observed: `${describe(missing)}; sourceip_proxy_protocol_total{listener="proxy",outcome="missing"} +${missingCount}`,
        pass: !missing.ok && missing.error !== 'timeout' && missingCount >= 1,
      },
      {
        scenario: 8,
        name: `LB :${ports.lbProxyEager} with HAProxy's default timing and a client that speaks 300 ms after connecting: the PROXY v2 header arrives alone`,
        expected: `the app sees ${client} (PROXY header and request may arrive in separate reads)`,
        observed:
          eager.reply === null
            ? `${describe(eager.result)}; PROXY accepted +${eagerAccepted}; control without PROXY: ${control.reply === null ? describe(control.result) : 'answered'}`
            : `app saw ${eager.reply.client.ip}`,
        pass: eager.reply?.client.ip === client,
      },
    ];
  },
};
