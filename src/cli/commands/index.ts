import type { Command } from 'commander';
import { registerConfig } from './config.ts';
import { registerDemo } from './demo.ts';
import { registerDoctor } from './doctor.ts';
import { registerGateway } from './gateway.ts';
import { registerPresets } from './presets.ts';
import { registerProbe } from './probe.ts';
import { registerProxyProtocol } from './proxy-protocol.ts';
import { registerResolve } from './resolve.ts';
import { registerWhoami } from './whoami.ts';

/**
 * Every command registers itself here. Registration only declares flags; each action
 * imports its area lazily so `sourceip resolve` never loads the gateway or the doctor.
 */
export const commands: ReadonlyArray<(program: Command) => void> = [
  registerResolve,
  registerWhoami,
  registerProxyProtocol,
  registerGateway,
  registerDemo,
  registerConfig,
  registerDoctor,
  registerPresets,
  registerProbe,
];
