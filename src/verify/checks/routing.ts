import { canonicalIp } from '../../config/index.ts';
import { isIP } from 'node:net';
import type { CheckContext } from '../context.ts';
import type { Finding } from '../findings.ts';
import type { RoutingState } from '../../observe/index.ts';
import { finding } from './util.ts';

/** Overhead of a Geneve tunnel: outer IP + UDP + Geneve (with OVN's option) + inner Ethernet. */
export const GENEVE_OVERHEAD = { 4: 58, 6: 78 } as const;
export const DEFAULT_OVERLAY_MTU = 1400;

const canonical = canonicalIp;

function deviceOf(routing: RoutingState, ip: string): string | undefined {
  const c = canonical(ip);
  return routing.addresses.find((a) => canonical(a.ip) === c)?.dev;
}

export function routingChecks(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const n of ctx.nodes) {
    const routing = n.node.routing;
    if (!routing) continue;
    const chassis = n.chassisName ?? n.node.label;
    const vteps = n.model.ips.filter((ip) => isIP(ip) !== 0);
    const where = routing.netns ? ` in netns ${routing.netns}` : '';
    const overlayMtu = n.node.spec?.overlayMtu ?? DEFAULT_OVERLAY_MTU;
    for (const ip of vteps) {
      const subject = `vtep ${chassis}/${ip}`;
      const specDev = n.node.spec?.vteps.find((v) => canonical(v.ip.split('/')[0]!) === canonical(ip))?.device;
      const dev = deviceOf(routing, ip) ?? specDev;
      if (deviceOf(routing, ip) === undefined) {
        out.push(finding('vtep-no-device', 'error', subject,
          `no device${where} holds VTEP IP ${ip}: tunnels from it cannot be sent`,
          'run the underlay (mvtep node apply --spec FILE) or add the address to the VTEP internal port'));
      }
      if (vteps.length >= 2) {
        const full = isIP(ip) === 6 ? 128 : 32;
        const rule = routing.rules.find((r) => r.src !== undefined && canonical(r.src) === canonical(ip) && (r.srcLen ?? full) === full);
        if (!rule) {
          out.push(finding('rule-missing', 'error', subject,
            `no 'ip rule from ${ip}'${where}: with several VTEPs the main table picks one egress device for all of them`,
            `add 'ip rule add from ${ip} lookup <table>' and the VTEP's routes in that table (mvtep node apply --spec FILE)`));
        } else if (!routing.routes.some((r) => r.table === rule.table)) {
          out.push(finding('rule-missing', 'error', subject,
            `'ip rule from ${ip} lookup ${rule.table}'${where} points at an empty table`,
            `add the VTEP subnet and the fabric route via ${dev ?? 'the VTEP device'} to table ${rule.table}`));
        }
      }
      for (const l of routing.lookups) {
        if (canonical(l.from) !== canonical(ip)) continue;
        if (l.error !== undefined) {
          out.push(finding('route-egress-wrong', 'error', subject,
            `'ip route get ${l.to} from ${ip}'${where} fails: ${l.error}`,
            'add a route to the remote VTEPs in the VTEP\'s table'));
        } else if (dev !== undefined && l.dev !== dev) {
          out.push(finding('route-egress-wrong', 'error', subject,
            `the kernel sends ${ip} -> ${l.to} out of ${l.dev ?? '?'}${l.table ? ` (table ${l.table})` : ''}, not ${dev}: OVN steers the tunnel, Linux un-steers it`,
            `add 'ip rule from ${ip} lookup <table>' with routes via ${dev}`));
        }
      }
      const rp = dev === undefined ? undefined : routing.rpFilter?.find((r) => r.dev === dev);
      if (rp && rp.effective === 1 && vteps.length >= 2) {
        out.push(finding('rp-filter-strict', 'warning', `device ${chassis}/${dev}`,
          `strict rp_filter (1) on VTEP device ${dev}${where}: tunnel replies arriving on another VTEP than the one their source routes out of are dropped`,
          `set net.ipv4.conf.${dev}.rp_filter=2 (loose) and make sure net.ipv4.conf.all.rp_filter is not 1`));
      }
      if (dev !== undefined) {
        const link = routing.links.find((k) => k.name === dev);
        const family = isIP(ip) === 6 ? 6 : 4;
        const need = overlayMtu + GENEVE_OVERHEAD[family];
        if (link && link.mtu < need) {
          out.push(finding('mtu-too-small', 'error', `device ${chassis}/${dev}`,
            `MTU ${link.mtu} of VTEP device ${dev} (${ip}) is below overlay MTU ${overlayMtu} + ${GENEVE_OVERHEAD[family]} = ${need}: large packets are dropped`,
            `set the MTU of ${dev} (and its PF) to >= ${need}, or lower the overlay MTU`));
        }
      }
    }
  }
  return out;
}
