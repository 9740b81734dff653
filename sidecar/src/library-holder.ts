import { type CompiledLibrary, compileLibrary, type LibraryCoverage, type LibraryData } from '@prealert/core';
import type { PackedLibrary } from '@prealert/rules-cache';

export interface LibraryInfo {
  version: string;
  /** Where the active library came from: "bundled" (national, shipped with prealert), "sync", "rollback" … */
  source: string;
  /** ISO time it became active. */
  activated_at: string;
  /**
   * The sha256 of its library file: a synced one's as its manifest names it, the bundled one's as the build computed
   * it (the national library keeps its name across builds whose reading of the NHSA files differs). Null when not
   * known (a library handed to the sidecar by a test, a build without the digest).
   */
  sha256: string | null;
  knowledge_points: number;
  rules: number;
  /** What its points can check: text only, on a fallback, by a workstation setting (core's LibraryCoverage). */
  coverage: LibraryCoverage;
}

/**
 * What a library was built from, so another thread can build the same one: a packed library (its arrays are
 * shared with that thread when they are SharedArrayBuffers) or the library data itself.
 */
export type LibraryOrigin = { kind: 'packed'; packed: PackedLibrary } | { kind: 'data'; data: LibraryData };

export interface ActiveLibrary {
  readonly compiled: CompiledLibrary;
  readonly info: LibraryInfo;
  /** Absent for a library handed over already compiled: only this thread can then evaluate on it. */
  readonly origin?: LibraryOrigin;
}

/**
 * The one reference to the active library. A request reads it once and keeps that snapshot for its whole
 * evaluation, so `swap` (library sync, rollback) is atomic from every request's point of view.
 */
export class LibraryHolder {
  private active: ActiveLibrary | undefined;
  private readonly listeners = new Set<(active: ActiveLibrary) => void>();
  /** Why no library is active, when loading failed. */
  loadError: string | undefined;

  get(): ActiveLibrary | undefined {
    return this.active;
  }

  swap(
    compiled: CompiledLibrary,
    info: { source: string; activatedAt?: Date; origin?: LibraryOrigin | undefined; sha256?: string | null },
  ): ActiveLibrary {
    const active: ActiveLibrary = {
      compiled,
      ...(info.origin ? { origin: info.origin } : {}),
      info: {
        version: compiled.meta.version,
        source: info.source,
        activated_at: (info.activatedAt ?? new Date()).toISOString(),
        sha256: info.sha256 ?? null,
        knowledge_points: compiled.knowledgePointCount,
        rules: compiled.ruleCount,
        coverage: compiled.coverage,
      },
    };
    this.active = active;
    this.loadError = undefined;
    for (const listener of this.listeners) listener(active);
    return active;
  }

  /**
   * Loads, compiles and activates a library at start. A failure leaves the holder empty with `loadError` saying
   * why, and is returned: the service still starts (/healthz answers, /readyz says why it is not ready, 3101
   * answers infcode -1).
   */
  load(data: () => LibraryData, source: string, sha256: string | null = null): unknown {
    try {
      const loaded = data();
      this.swap(compileLibrary(loaded), { source, origin: { kind: 'data', data: loaded }, sha256 });
      return undefined;
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
      return error;
    }
  }

  /** Called after every swap (metrics use it to publish the library version). */
  onSwap(listener: (active: ActiveLibrary) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
