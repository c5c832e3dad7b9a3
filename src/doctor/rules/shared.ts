/** Re-exports the few helpers many rules use, so rule files stay short. */

export { NGINX_DEFAULT_REAL_IP_CIDR as NGINX_DEFAULT } from '../edge.ts';
export { analyzeTrust } from '../ranges.ts';
