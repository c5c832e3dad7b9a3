import type { GatewayConfig } from './config/types.ts';
import type { GatewayRuntime, RuntimeDeps } from './engine.ts';

/** Compiles a validated config into an immutable runtime (implementation lands next). */
export function compileRuntime(_config: GatewayConfig, _deps: RuntimeDeps = {}): GatewayRuntime {
  throw new Error('compileRuntime: not implemented yet');
}
