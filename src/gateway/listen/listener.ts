import type { ListenerConfig } from '../config/types.ts';
import type { GatewayObserver, GatewayRuntime, ListenerHandle } from '../engine.ts';

/** Listener implementation (lands next). */
export function createListenerImpl(
  _listener: ListenerConfig,
  _getRuntime: () => GatewayRuntime,
  _observer: GatewayObserver,
): ListenerHandle {
  throw new Error('createListener: not implemented yet');
}
