import fs from 'node:fs';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../../examples/provincial-platform/src/platform-server';
import { BundleFactory, type Workstations } from '../sync-support';

/** A library to sign into a bundle: `name` its folder, `version` the library's version. */
export interface BundledLibrary<Name extends string = string> {
  name: Name;
  version: string;
  /** A revision (a newer build of a library), as BundleFactory.library takes it. */
  revision?: boolean;
}

/** Filled in by the beforeAll bundlesOnPlatform registers: read them in tests and hooks, not at the top level. */
export interface BundlesOnPlatform<Name extends string> {
  platform: ProvincialPlatform;
  bundles: BundleFactory;
  /** The bundles by their `name`. */
  written: Record<Name, WrittenBundle>;
}

/**
 * Call at a sync test file's top level: before its tests, signs real bundles of the NHSA libraries in the order given
 * (their creation times follow that order, which the tests rely on) and starts the provincial platform simulator on
 * loopback; after them, cleans up `workstations`, closes the platform and removes the bundles.
 */
export function bundlesOnPlatform<Name extends string>(
  libraries: BundledLibrary<Name>[],
  workstations: Workstations,
): BundlesOnPlatform<Name> {
  // Filled in by beforeAll, before any test reads it.
  const scene = { written: {} } as BundlesOnPlatform<Name>;
  beforeAll(async () => {
    scene.bundles = new BundleFactory();
    for (const { name, version, revision } of libraries) {
      scene.written[name] = scene.bundles.write(name, scene.bundles.library(version, revision ? { revision } : {}));
    }
    scene.platform = await startPlatform();
  });
  afterAll(async () => {
    await workstations.cleanup();
    await scene.platform?.close();
    if (scene.bundles) fs.rmSync(scene.bundles.dir, { recursive: true, force: true });
  });
  return scene;
}
