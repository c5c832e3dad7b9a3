/** Test helpers: load paths (or text as stdin) and run the doctor in-process. */
import { runDoctor } from '../../src/doctor/engine.ts';
import { loadManifests } from '../../src/doctor/loader/manifests.ts';
import type { DoctorConfig } from '../../src/doctor/suppress.ts';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
export const REPO = new URL('../../', import.meta.url).pathname;

export async function doctorOn(paths: string[], config?: DoctorConfig) {
  return runDoctor(await loadManifests(paths), config);
}

export async function doctorOnText(text: string, config?: DoctorConfig) {
  return runDoctor(await loadManifests(['-'], async () => text), config);
}
